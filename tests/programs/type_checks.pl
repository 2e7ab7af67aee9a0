% Type-checking builtins as ProbLog 2.3 answers them; is_list/1 accepts a partial list (cells
% ending in an unbound variable), unlike ISO Prolog.
0.4::tail_known.
tail(T) :- tail_known, T = [].
tail(_).

list_closed :- is_list([x, y]).
list_empty :- is_list([]).
list_partial :- is_list([x, y|_]).
list_improper :- is_list([x|y]).
list_unbound :- is_list(_).
list_atom :- is_list(abc).
% probabilistic: the tail is [] or stays unbound; both are lists to is_list/1
list_prob :- tail(T), is_list([a|T]).
closed_prob :- tail(T), T == [], is_list([a|T]).

num_int :- integer(3).
num_float :- float(3.0).
num_number :- number(2.5).
atom_atom :- atom(abc).
atom_list :- atom([]).
atomic_num :- atomic(3).
compound_list :- compound([a]).
callable_atom :- callable(abc).

query(list_closed). query(list_empty). query(list_partial). query(list_improper).
query(list_unbound). query(list_atom). query(list_prob). query(closed_prob).
query(num_int). query(num_float). query(num_number). query(atom_atom). query(atom_list).
query(atomic_num). query(compound_list). query(callable_atom).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: list_closed = 1
% expect: list_empty = 1
% expect: list_partial = 1
% expect: list_improper = 0
% expect: list_unbound = 0
% expect: list_atom = 0
% expect: list_prob = 1
% expect: closed_prob = 0.4
% expect: num_int = 1
% expect: num_float = 1
% expect: num_number = 1
% expect: atom_atom = 1
% expect: atom_list = 1
% expect: atomic_num = 1
% expect: compound_list = 1
% expect: callable_atom = 1
