% library(aggregate) head aggregates and library(collect)'s => over deterministic and
% probabilistic bodies.
:- use_module(library(aggregate)).
:- use_module(library(collect)).
:- use_module(library(lists)).
item(pen, office, 3). item(ink, office, 7). item(mug, kitchen, 4).
item(pot, kitchen, 9). item(cup, kitchen, 2).
0.6::stocked(pen). 0.3::stocked(pot).
total(Room, sum<P>) :- item(_, Room, P).
mean(Room, avg<P>) :- item(_, Room, P).
dearest(Room, max<P>) :- item(_, Room, P).
cheapest(min<P>) :- item(_, _, P).
in_stock(Room, sum<P>) :- item(I, Room, P), stocked(I).
query(total(_, _)).
query(mean(_, _)).
query(dearest(_, _)).
query(cheapest(_)).
query(in_stock(_, _)).
collect_total(Goal, Group, Value, Sum) :- aggregate(sum, Value, Group, Goal, (Group, Sum)).
by_room(Room, S) :- (item(_, Room, P)) => Room/total(P, S).
query(by_room(_, _)).

% --- expected answers, computed by problog 2.3.0 (tests/programs/regenerate_expected.py)
% expect: total(office,10) = 1
% expect: total(kitchen,15) = 1
% expect: mean(office,5.0) = 1
% expect: mean(kitchen,5.0) = 1
% expect: dearest(office,7) = 1
% expect: dearest(kitchen,9) = 1
% expect: cheapest(2) = 1
% expect: in_stock(office,3) = 0.6
% expect: in_stock(kitchen,9) = 0.3
% expect: by_room(office,10) = 1
% expect: by_room(kitchen,15) = 1
