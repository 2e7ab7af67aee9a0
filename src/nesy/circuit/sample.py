"""Sampled worlds: k possible worlds per example, the query's truth in each on tensors, and a
leave-one-out score-function (RLOO) gradient of the Monte-Carlo estimate of P(query).

Why RLOO rather than IndeCateR: IndeCateR (De Smet et al. 2023) sums each categorical variable
out exactly while the others are sampled, which needs D evaluations of the program per variable
and sample (D·V·k worlds per example); the program's evaluation in a world is the costly part
here, so RLOO's k worlds per example, with the other k-1 samples' mean as each sample's baseline
(unbiased, no learned baseline to train), buy more samples for the same cost.

A world's truth is the boolean semiring's value of the derivation DAG (`WorldSampling` is the
boolean semiring), computed on bool tensors by `world_truth`.

    value  = mean_j f(w_j)                                   (the estimate, unbiased)
    grad   = 1/(k-1) · sum_j (f(w_j) - mean f) · grad log p(w_j)   (unbiased for grad P, k > 1)

`estimate + (surrogate - surrogate.detach())` carries both: the forward value is the estimate,
the backward pass the estimator. `-log` of it (a Module's loss) has gradient grad/estimate, a
ratio estimator: consistent, not unbiased, and zero for an example none of whose worlds is a
model of the query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nesy.circuit.circuit import AND, NOT
from nesy.circuit.evaluate import CircuitPlan
from nesy.errors import InferenceError
from nesy.ground.simplify import Simplified


def world_truth(plan: CircuitPlan, worlds, index: dict):
    """[R, n_roots] bool: the roots' truth in R worlds, `worlds` [R, num_vars + 1] bool (column
    0 unused), by the plan's levelled steps on one preallocated [nodes, R] buffer of 0/1 filled
    in place. A world's truth carries no gradient (the estimator's lies in log p), so each step
    writes its rows instead of growing a float tensor by one concatenation per step, which costs
    the whole buffer per step (quadratic in the DAG's depth: N = 100 digits, 400 levels).
    `index` caches the plan's positions as long tensors per device."""
    import torch

    plan.level()
    device = worlds.device
    tensors = index.get(device)
    if tensors is None:
        def as_long(items):
            return torch.tensor(items, dtype=torch.long, device=device)

        # each gate's children width-major ([width, nodes]): a step reduces the leading
        # dimension of [width, nodes, R] (min for AND, max for OR, on uint8: several times
        # faster than bool's all/any, or than reducing the middle dimension of [nodes, width, R])
        tensors = index[device] = ([(kind, as_long(i).view(-1, w).t().reshape(-1), w)
                                    for kind, i, w in plan.steps],
                                   as_long(plan.leaf_sources), as_long(plan.roots))
    steps, leaf_sources, roots = tensors
    rows = worlds.shape[0]
    literals = worlds.t().to(torch.uint8)
    if plan.reads_neg:  # variable v's negation is column num_vars + 1 + v
        literals = torch.cat([literals, 1 - literals], dim=0)
    values = torch.empty(plan.size, rows, dtype=torch.uint8, device=device)
    values[0] = 0
    values[1] = 1
    start = 2 + len(plan.leaf_sources)
    values[2:start] = literals.index_select(0, leaf_sources)
    for kind, positions, width in steps:
        block = values.index_select(0, positions)
        if kind == NOT:
            out = 1 - block
        else:
            block = block.view(width, -1, rows)
            out = block.amin(0) if kind == AND else block.amax(0)
        values[start:start + out.shape[0]] = out
        start += out.shape[0]
    return values.index_select(0, roots).t().bool()


def rloo_estimate(truth, log_prob):
    """[B, A]: the mean of `truth` [B, k, A] over its k worlds, whose gradient is the
    leave-one-out score-function estimator with `log_prob` [B, k] the worlds' log-probability."""
    k = truth.shape[1]
    estimate = truth.mean(1)
    if k > 1:
        weight = (truth - truth.mean(1, keepdim=True)) / (k - 1)
    else:  # one world: the plain score function, no baseline
        weight = truth
    surrogate = (weight * log_prob.unsqueeze(2)).sum(1)
    return estimate + (surrogate - surrogate.detach())


@dataclass
class SampledWorlds:
    """The plan's evaluation under a semiring that `samples_worlds`: worlds drawn per example
    from the choices below the roots, each world's truth from the derivation DAG under the
    boolean semiring, for all B·k worlds in one levelled pass. `derivations()` gives the
    roots' derivation DAG (`compile.ground2dag`), None where it has a cycle."""

    simplified: Simplified
    roots: list
    semiring: object
    derivations: Callable[[], object]
    dag: object = None
    plan: CircuitPlan | None = None
    layout: tuple | None = None
    generator: object = None
    built: bool = field(default=False)
    index: dict = field(default_factory=dict)  # the plan's positions per device (world_truth)

    def batched(self) -> None:
        if self.built:
            return
        self.dag = self.derivations()
        if self.dag is None:
            raise InferenceError(f"the {self.semiring.name} semantics evaluates sampled worlds "
                                 "on the ground program's derivations, which have a cycle here",
                                 hint="use exact (or a fuzzy semantics) for cyclic programs")
        self.plan = CircuitPlan(self.dag.circuit)
        self.plan.level()
        ground = self.simplified.ground
        groups = list(dict.fromkeys(ground.choices[n].group for n in self.dag.choices))
        members = [list(ground.groups[g].values()) for g in groups]
        nodes = [n for ms in members for n in ms]  # every outcome of every group read
        width = max((len(ms) for ms in members), default=0)
        pad = len(nodes)  # a zero column
        gather, start = [], 0
        for ms in members:
            gather.append(list(range(start, start + len(ms))) + [pad] * (width - len(ms)))
            start += len(ms)
        node_group = [g for g, ms in enumerate(members) for _ in ms]
        node_outcome = [j for ms in members for j in range(len(ms))]
        position = {n: i for i, n in enumerate(nodes)}
        read = [position[n] for n in self.dag.choices]
        self.layout = (nodes, gather, node_group, node_outcome, read)
        self.built = True

    def evaluate(self, semiring, leaves, answers=None):
        self.batched()
        if isinstance(leaves.like, float):  # one example's floats: no torch, no gradient
            return self._one_example(semiring, leaves.columns(self.layout[0]))
        import torch

        nodes, gather, node_group, node_outcome, read = self.layout
        columns = leaves.columns(nodes)
        if self.generator is None:
            self.generator = torch.Generator(device=columns.device).manual_seed(semiring.seed)
        truth, log_prob = self.sample(columns, semiring, gather, node_group, node_outcome, read,
                                      leaves.like)
        # floored at the dtype's smallest normal number: a batch's -log stays finite (and its
        # gradient zero) where no sampled world is a model
        values = rloo_estimate(truth, log_prob).clamp_min(torch.finfo(truth.dtype).tiny)
        if answers is None:
            return values
        padded = torch.cat([values, torch.zeros_like(values[:, :1])], dim=1)
        index = torch.tensor([a if a >= 0 else values.shape[1] for a in answers],
                             device=values.device)
        return padded.gather(1, index.unsqueeze(1))

    def _one_example(self, semiring, columns: list[float]) -> list[float]:
        """The mean truth of `samples` worlds, each drawn and evaluated in plain Python."""
        import random

        nodes, gather, node_group, node_outcome, read = self.layout
        if self.generator is None:
            self.generator = random.Random(semiring.seed)
        rng = self.generator
        padded = list(columns) + [0.0]
        groups = [[padded[i] for i in row] for row in gather]
        groups = [probs + [max(0.0, 1.0 - sum(probs))] for probs in groups]
        outcomes = [list(range(len(probs))) for probs in groups]
        totals = [0.0] * len(self.roots)
        for _ in range(semiring.samples):
            drawn = [rng.choices(o, weights=p)[0] for o, p in zip(outcomes, groups, strict=True)]
            hot = [float(drawn[node_group[i]] == node_outcome[i]) for i in read]
            world = [1.0] + hot
            for j, value in enumerate(self.plan.evaluate_floats(world, world, semiring)):
                totals[j] += value
        return [t / semiring.samples for t in totals]

    def sample(self, columns, semiring, gather, node_group, node_outcome, read, like):
        """(truth [B, k, A], log p(world) [B, k]) for k worlds per example."""
        import torch

        k = semiring.samples
        batch = columns.shape[0]
        device = columns.device
        if not gather:  # no choice below the roots: every world is the same
            worlds = torch.ones(batch * k, 1, dtype=torch.bool, device=device)
            truth = world_truth(self.plan, worlds, self.index).to(like.dtype)
            return truth.reshape(batch, k, -1), like.new_zeros(batch, k)
        padded = torch.cat([columns, columns.new_zeros(batch, 1)], dim=1)
        probs = padded[:, torch.tensor(gather, device=device)]  # [B, G, D]
        rest = (1 - probs.sum(-1, keepdim=True)).clamp_min(0)  # no outcome the grounding reached
        full = torch.cat([probs, rest], dim=-1)  # [B, G, D + 1]
        groups = full.shape[1]
        drawn = torch.multinomial(full.detach().reshape(batch * groups, -1).float(), k,
                                  replacement=True, generator=self.generator)
        drawn = drawn.reshape(batch, groups, k)
        log_prob = full.gather(2, drawn).clamp_min(1e-300).log().sum(1)  # [B, k]
        chosen = drawn[:, torch.tensor(node_group, device=device), :]  # [B, M, k]
        hot = chosen == torch.tensor(node_outcome, device=device).view(1, -1, 1)
        hot = hot[:, torch.tensor(read, device=device), :].transpose(1, 2)  # [B, k, n]
        worlds = torch.cat([hot.new_ones(batch, k, 1), hot], dim=2).reshape(batch * k, -1)
        truth = world_truth(self.plan, worlds, self.index).to(columns.dtype)
        return truth.reshape(batch, k, -1), log_prob

    def validate(self) -> None:
        self.batched()
        self.dag.circuit.validate()

    def pretty(self) -> str:
        self.batched()
        return (f"{self.semiring.samples} sampled worlds per example, each evaluated on:\n"
                + self.dag.circuit.pretty())
