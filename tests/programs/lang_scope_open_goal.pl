% With library(scope), a query whose scoped goal is a variable finds the scope's own atoms
% (and what its clauses derive), never calls of builtins or unscoped predicates: the library's
% `_:G` clause waits until G is bound.
:- use_module(library(scope)).
0.4::kitchen:light.
0.7::hall:light.
kitchen:warm.
upstairs:X :- kitchen:X; hall:X.
lamp :- upstairs:light.
query(kitchen:_).
query(upstairs:_).
query(upstairs:warm).
query([hall, kitchen]:light).
query(lamp).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: kitchen:light = 0.4
% expect: kitchen:warm = 1
% expect: upstairs:light = 0.82
% expect: upstairs:warm = 1
% expect: [hall, kitchen]:light = 0.82
% expect: lamp = 0.82
