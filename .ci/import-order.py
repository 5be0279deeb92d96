#!/usr/bin/env python3
"""Checks that worker-core's imports run one way.

worker-core's folders follow the process chain (app -> launcher -> supervisor
-> sandbox -> job) above shared layers. A folder may use (through `crate::`
paths, outside test code) only folders after it in ORDER; protocol and model
use nothing but sys. Within a folder, no two files may use each other (through
`crate::` paths, or `super::` paths to a sibling), directly or around a circle.

Prints every offending line and exits 1; exits 0 when the imports are in order.
Usage: import-order.py [path to worker-core/src]
"""

import os
import re
import sys

# Up the chain first; each folder may use only those after it.
ORDER = [
    "app",
    "launcher",
    "supervisor",
    "sandbox",
    "job",
    "logs",
    "host",
    "state",
    "admission",
    "protocol",
    "model",
    "sys",
]
# Folders held to less than ORDER allows.
ONLY = {"protocol": {"sys"}, "model": {"sys"}, "admission": set(), "sys": set()}

PATH = re.compile(r"(?<![\w$])crate::((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)")
GROUP = re.compile(r"(?<![\w$])crate::\{([^}]*)\}")
SIBLING = re.compile(r"(?<![\w$:])super::([a-z_][a-z0-9_]*)::")


def strip_comments(text):
    """Removes // comments (doc comments too: links are not imports) and /* */ ones."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(
        line.split("//", 1)[0] if '"' not in line.split("//", 1)[0] else line
        for line in text.splitlines()
    )


def strip_test_items(text):
    """Blanks every item under #[cfg(test)] (a module, a use line, a function)."""
    out = []
    i = 0
    while True:
        at = text.find("#[cfg(test)]", i)
        if at < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:at])
        j = at + len("#[cfg(test)]")
        depth = 0
        while j < len(text):
            c = text[j]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            elif c == ";" and depth == 0:
                j += 1
                break
            j += 1
        # Keep line numbers right.
        out.append("\n" * text.count("\n", at, j))
        i = j


def module_of(src, path):
    rel = os.path.relpath(path, src)[: -len(".rs")]
    parts = rel.split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    return parts


def is_test_file(parts):
    return any(part == "tests" or part.endswith("_tests") for part in parts)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "worker-core", "src"
    )
    modules = {}
    for root, _, files in os.walk(src):
        for name in files:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                modules[tuple(module_of(src, path))] = path
    problems = []
    edges = {}
    for parts, path in sorted(modules.items()):
        if parts == ("lib",) or is_test_file(parts):
            continue
        folder = parts[0]
        if folder not in ORDER:
            problems.append(f"{path}: folder '{folder}' is not in ORDER of {sys.argv[0]}")
            continue
        with open(path, encoding="utf-8") as file:
            text = strip_test_items(strip_comments(file.read()))
        for number, line in enumerate(text.splitlines(), 1):
            used = [m.group(1) for m in PATH.finditer(line)]
            for group in GROUP.findall(line):
                used += [item.strip() for item in group.split(",") if item.strip()]
            # `super::sibling::...` in a file that is not its folder's mod.rs.
            if not path.endswith("mod.rs"):
                for sibling in SIBLING.findall(line):
                    target_module = tuple(parts[:-1]) + (sibling,)
                    if target_module in modules and not is_test_file(target_module):
                        edges.setdefault(parts, set()).add(target_module)
            for target in used:
                segments = tuple(target.split("::"))
                head = segments[0]
                where = f"{os.path.relpath(path, os.path.join(src, '..'))}:{number}"
                if head not in ORDER:
                    if head not in ("self", "super"):
                        problems.append(
                            f"{where}: crate::{target}: name the module it comes from, "
                            "not the crate root's re-export"
                        )
                    continue
                if head != folder:
                    allowed = ORDER[ORDER.index(folder) + 1 :]
                    allowed = [f for f in allowed if f in ONLY.get(folder, allowed)]
                    if head not in allowed:
                        problems.append(
                            f"{where}: {folder}/ uses crate::{target}, but {folder}/ may "
                            f"use only {', '.join(allowed) or 'nothing'}"
                        )
                    continue
                # Within the folder: the longest module path that is a file.
                for end in range(len(segments), 0, -1):
                    if segments[:end] in modules:
                        target_module = segments[:end]
                        break
                else:
                    continue
                if target_module != parts and not is_test_file(target_module):
                    edges.setdefault(parts, set()).add(target_module)
    problems += circles(edges)
    for problem in problems:
        print(problem)
    if problems:
        print(f"import order: {len(problems)} problem(s); see {sys.argv[0]} for the rule")
        return 1
    return 0


def circles(edges):
    """Tarjan's strongly connected components: every circle among files."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                names = sorted("/".join(member) for member in component)
                found.append("import circle between " + ", ".join(names))

    sys.setrecursionlimit(10000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


if __name__ == "__main__":
    sys.exit(main())
