% Copied unmodified (below this header) from DeepProbLog 2.1.0, deepproblog/examples/MNIST/models/all_digit_addition.pl.
% Copyright the DeepProbLog team (KU Leuven), Apache License 2.0: see examples/deepproblog/README.md.
nn(mnist_net,[X],Y,[0,1,2,3,4,5,6,7,8,9]) :: digit(X,Y).

addition(X,Y,Z) :- digit(X,X2), digit(Y,Y2),digit(Z,Z2), Z2 is X2+Y2.
