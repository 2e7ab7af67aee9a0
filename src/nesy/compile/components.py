"""Strongly connected components of a simplified program's derived atoms.

Both translators of a simplified ground program (`ground2circuit` to a circuit, `direct` to
semiring values) visit atoms component by component, leaves first, and iterate cycles.
`bodies` maps a derived atom to its bodies (tuples of signed literals).
"""

from __future__ import annotations


def has_self_loop(node: int, bodies) -> bool:
    """Whether `node` uses itself directly (a one-atom component that is still a cycle)."""
    return any(abs(lit) == node for body in bodies[node] for lit in body)


def strongly_connected(root: int, bodies, done) -> list[list[int]]:
    """Tarjan's strongly connected components of the derived atoms below `root` not yet in
    `done`, leaves first: the order in which an atom's value can be computed."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0

    def successors(node):
        seen = []
        for body in bodies.get(node, ()):
            for lit in body:
                child = abs(lit)
                if child in bodies and child not in done:
                    seen.append(child)
        return seen

    work = [(root, iter(successors(root)))]
    index[root] = low[root] = counter
    counter += 1
    stack.append(root)
    on_stack.add(root)
    while work:
        node, children = work[-1]
        advanced = False
        for child in children:
            if child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(successors(child))))
                advanced = True
                break
            if child in on_stack:
                low[node] = min(low[node], index[child])
        if advanced:
            continue
        work.pop()
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            result.append(component)
    return result
