% Annotated-disjunction facts whose masses do not sum to one, and facts over several arguments.
0.2::colour(red); 0.3::colour(green); 0.4::colour(blue).
0.5::size(small); 0.5::size(large).

no_colour :- \+colour(red), \+colour(green), \+colour(blue).
warm :- colour(red).
large_cool :- size(large), colour(blue).
large_cool :- size(large), colour(green).

query(colour(red)).
query(colour(blue)).
query(no_colour).
query(warm).
query(large_cool).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: colour(red) = 0.2
% expect: colour(blue) = 0.4
% expect: no_colour = 0.1
% expect: warm = 0.2
% expect: large_cool = 0.35
