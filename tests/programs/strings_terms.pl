% Strings, quoted atoms, negative numbers, floats and nested compound terms as query answers.
0.3::says("hello world").
0.6::says("it's").
0.25::record(p([1, 2], "ab", f(a - b))).
0.5::shape(circle(2.5), 'Red').
0.5::shape(square(-1), 'dark blue').

label(X) :- says(X).
area(A) :- shape(circle(R), _), A is 3 * R * R.
colour(C) :- shape(_, C).
nested(g(h(X), [X, Y | T])) :- record(p([X | T], Y, _)).

query(label(X)).
query(record(R)).
query(area(A)).
query(colour(C)).
query(nested(N)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: label("hello world") = 0.3
% expect: label("it's") = 0.6
% expect: record(p([1, 2],"ab",f(a-b))) = 0.25
% expect: area(18.75) = 0.5
% expect: colour('Red') = 0.5
% expect: colour('dark blue') = 0.5
% expect: nested(g(h(1),[1, "ab", 2])) = 0.25
