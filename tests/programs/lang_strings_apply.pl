% library(string) (join/3, concat/2, str2lst/2, lst2str/2, str2int/2: texts become atoms),
% library(apply)'s foldl/6,7, foldl_noinit/3, scanl/4-7 (the values after each step, without
% the initial one, as ProbLog defines them), partition/4,5, maplist/2 over probabilistic goals,
% and library(aggregate)'s accumulators sum/3, min/3, max/3.
:- use_module(library(string)).
:- use_module(library(apply)).
:- use_module(library(lists)).
:- use_module(library(aggregate)).
j(X) :- join('-', [a, b, 1, "c"], X).
j2(X) :- join(", ", [x, 'Y z'], X).
c(X) :- concat([ab, 'c d', 2], X).
l(X) :- str2lst(abc, X).
l2(X) :- str2lst("hi", X).
s(X) :- lst2str([a, b, 3], X).
i(X) :- str2int("7", X).
isatom(X) :- join('', [a, b], X), atom(X).
add(X, Y, Z) :- Z is X + Y.
add3(X, Y, A, Z) :- Z is X + Y + A.
add4(X, Y, W, A, Z) :- Z is X + Y + W + A.
add5(X, Y, W, V, A, Z) :- Z is X + Y + W + V + A.
cmp(P, X, <) :- X < P.
cmp(P, X, =) :- X =:= P.
cmp(P, X, >) :- X > P.
0.5::ok(2).
s1(R) :- scanl(add, [1, 2, 3], 0, R).
s0(R) :- scanl(add, [], 0, R).
s2(R) :- scanl(add3, [1, 2], [10, 20], 0, R).
s3(R) :- scanl(add4, [1], [2], [3], 0, R).
s4(R) :- scanl(add5, [1], [2], [3], [4], 0, R).
f6(R) :- foldl(add4, [1, 2], [3, 4], [5, 6], 0, R).
f7(R) :- foldl(add5, [1], [2], [3], [4], 0, R).
fn(R) :- foldl_noinit(add, [1, 2, 3], R).
fn0(R) :- foldl_noinit(add, [], R).
p5(L, E, G) :- partition(cmp(2), [1, 3, 2, 0, 5], L, E, G).
pp(I, E) :- partition(ok, [1, 2, 3], I, E).
m2 :- maplist(ok, [2, 2]).
acc(S, Mn, Mx) :- sum([1, 2.5], 0, S), min([3, 1, 2], 5, Mn), max([3, 1, 2], 0, Mx).

query(j(_)). query(j2(_)). query(c(_)). query(l(_)). query(l2(_)). query(s(_)). query(i(_)).
query(isatom(_)).
query(s1(_)). query(s0(_)). query(s2(_)). query(s3(_)). query(s4(_)). query(f6(_)). query(f7(_)).
query(fn(_)). query(fn0(_)). query(p5(_, _, _)). query(pp(_, _)). query(m2).
query(acc(_, _, _)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: j('a-b-1-c') = 1
% expect: j2('x, Y z') = 1
% expect: c('abc d2') = 1
% expect: l([a, b, c]) = 1
% expect: l2([h, i]) = 1
% expect: s(ab3) = 1
% expect: i(7) = 1
% expect: isatom(ab) = 1
% expect: s1([1, 3, 6]) = 1
% expect: s0([]) = 1
% expect: s2([11, 33]) = 1
% expect: s3([6]) = 1
% expect: s4([10]) = 1
% expect: f6(21) = 1
% expect: f7(10) = 1
% expect: fn(6) = 1
% expect: fn0([]) = 1
% expect: p5([1, 0],[2],[3, 5]) = 1
% expect: pp([2],[1, 3]) = 0.5
% expect: pp([],[1, 2, 3]) = 0.5
% expect: m2 = 0.5
% expect: acc(3.5,1,3) = 1
