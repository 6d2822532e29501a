// Cycles of a directed graph, shared by scripts/layers.mjs (TypeScript
// modules) and scripts/c-cycles.mjs (the helper's object files).
//
// `graph` is a Map from node to the Set of nodes it depends on. Tarjan's
// algorithm finds the strongly connected components; every component with
// more than one node (or a node depending on itself) holds at least one
// cycle. One cycle is reported per component, the shortest one through its
// alphabetically first node, so each tangle is named once and the output is
// the same from run to run. Breaking it shows the next one, if any.

export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  // Recursive: a module graph is at most a few hundred nodes deep.
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    components.push(component);
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);

  const cycles = [];
  for (const component of components) {
    const first = component.sort()[0];
    if (component.length === 1 && !graph.get(first)?.has(first)) continue;
    cycles.push({ cycle: shortestLoop(graph, first, new Set(component)), size: component.length });
  }
  return cycles.sort((a, b) => (a.cycle[0] < b.cycle[0] ? -1 : 1));
}

// Breadth-first from `start` inside its component back to `start`:
// [start, ..., start].
function shortestLoop(graph, start, members) {
  const parent = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [];
        for (let u = v; u !== start; u = parent.get(u)) path.unshift(u);
        return [start, ...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
