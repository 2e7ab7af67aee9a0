% A pure predicate called with a variable still free by a predicate that observes bindings
% (==/2): its bound answer holds only through the clauses that bound the variable, though the
% ground atom also holds through a clause that leaves it free. The caller must not see the
% ground atom's other derivations (ProbLog tables each call pattern apart).
0.3::use_cache.
0.7::use_disk.
source(Where, _) :- use_cache, Where = cache.
source(_, Kind) :- use_disk, Kind = disk.

located(W, K) :- W == cache, K == disk.
located(W, K) :- source(W, K), located(W, K).
found :- located(_, _).
query(found).

% the same through a pure layer in between
via(W, K) :- source(W, K).
located2(W, K) :- W == cache, K == disk.
located2(W, K) :- via(W, K), located2(W, K).
found2 :- located2(_, _).
query(found2).

% called with both arguments bound, the atom keeps both derivations
both :- source(cache, disk).
query(both).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: found = 0.21
% expect: found2 = 0.21
% expect: both = 0.79
