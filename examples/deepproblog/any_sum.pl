% Copied unmodified (below this header) from DeepProbLog 2.1.0, deepproblog/examples/MNIST/models/any_sum.pl.
% Copyright the DeepProbLog team (KU Leuven), Apache License 2.0: see examples/deepproblog/README.md.
nn(mnist_net,[X],Y,[0,1,2,3,4,5,6,7,8,9]) :: digit(X,Y).

addition(X,Y,Z) :- digit(X,X2), digit(Y,Y2), Z is X2+Y2.

anysum(Bag,R) :- member([I1,I2],Bag), addition(I1,I2,R).
