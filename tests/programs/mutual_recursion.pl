% Positive cycles between different predicates (p -> q -> r -> p) with probabilistic links.
0.4::p0.
0.5::link_pq.
0.6::link_qr.
0.7::link_rp.
0.2::q0.

p :- p0.
p :- r, link_rp.
q :- q0.
q :- p, link_pq.
r :- q, link_qr.

query(p).
query(q).
query(r).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: p = 0.4504
% expect: q = 0.36
% expect: r = 0.216
