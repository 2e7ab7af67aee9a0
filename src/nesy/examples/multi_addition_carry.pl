% Multi-digit addition digit by digit, with a carry (a DeepProbLog program; compare
% multi_addition.pl, which builds each number by an accumulator and adds two integers).
%
% multi_addition(X, Y, Z) holds when the numbers whose digit images are X and Y (lists of N
% images, most significant first) add up to the number whose N+1 digits are Z (most significant
% first; the leading digit is the last carry, 0 or 1). The sum is observed, not computed: each
% of its digits is an input tensor (a one-hot row of 10 for a known digit, or any distribution)
% that sum_digit/2 reads as a categorical with the given probabilities, e.g. through a network
% that returns its input (torch.nn.Identity()). So the ground program depends only on N, never
% on the sum: one grounding per N serves every example, with O(N * 10 * 10 * 2) ground rules
% (per position, per carry in, per pair of digits), where multi_addition.pl enumerates the
% 10^(2N) pairs of numbers.
nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).
nn(observed, [Z], D, [0,1,2,3,4,5,6,7,8,9]) :: sum_digit(Z, D).

multi_addition(X, Y, [Z|Zs]) :- add(X, Y, Zs, C), sum_digit(Z, C).

% add(Xs, Ys, Zs, C): the digits Xs plus the digits Ys are the digits Zs, with C carried out of
% the most significant position.
add([], [], [], 0).
add([X|Xs], [Y|Ys], [Z|Zs], C) :-
    add(Xs, Ys, Zs, Carry),
    digit(X, A), digit(Y, B),
    S is A + B + Carry,
    D is S mod 10, sum_digit(Z, D),
    C is S // 10.
