% DeepProbLog's tensor builtins. Each result is a deferred tensor term, tensor('$op'(Op, Args)),
% which nesy.Module computes per batch when a network reads it or a clause uses it as its
% probability (`P :: a(I) :- list_to_tensor([0.2, 0.8], T), tensor_index(T, [I], P).`).
% Operands are tensors: a query's inputs, networks' outputs (nn(Net, Inputs, T)) or these.

embed(Term, tensor('$op'(embed, [Term]))).           % the Module's embed= tensor of a constant
add(X, Y, tensor('$op'(add, [X, Y]))).
mul(X, Y, tensor('$op'(mul, [X, Y]))).
dot(X, Y, tensor('$op'(dot, [X, Y]))).
rbf(X, Y, tensor('$op'(rbf, [X, Y]))).                % exp(-||X - Y||)
sigmoid(X, tensor('$op'(sigmoid, [X]))).
% elementwise over a list of tensors (aggregate.pl: max/2 of numbers)
max([T|Ts], tensor('$op'(max, [[T|Ts]]))) :- \+ number(T).
mean(List, tensor('$op'(mean, [List]))).
stack(List, tensor('$op'(stack, [List]))).
cat(List, tensor('$op'(cat, [List]))).
one_hot(I, N, tensor('$op'(one_hot, [I, N]))).
list_to_tensor(List, tensor('$op'(list_to_tensor, [List]))).
tensor_index(T, Index, tensor('$op'(tensor_index, [T, Index]))).
% true with probability 1 in the examples where X < Y, else 0 (single-value tensors)
less_than(X, Y) :-
    '$choice'(less_than, 0, v(X, Y), tensor('$op'(less_than, [X, Y])), less_than(X, Y)).
