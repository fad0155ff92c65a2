"""Values flattened by torch.utils._pytree into their leaves, each named by
its path from a root: output[0], output['boxes'], output.last_hidden_state.
pytree knows every container registered with it (tuples, lists, dicts,
named tuples, OrderedDicts, and what libraries register: transformers'
ModelOutput, dataclasses registered for torch.export), so eager outputs and
the artifact's are flattened by the same rules torch.export uses. Newer
torch names the paths itself (tree_flatten_with_path); torch 1.13's pytree
has no paths, and they are read off its TreeSpec instead."""


def _spec_children(spec):
    """A TreeSpec's children (none for a leaf): children() where torch has
    it (children_specs is deprecated there), torch 1.13's children_specs."""
    if callable(getattr(spec, "children", None)):
        return list(spec.children())
    return getattr(spec, "children_specs", None) or []


def _child_key(spec, index):
    """How 1.13's pytree names child `index` of a node (as keystr would)."""
    context = spec.context
    if isinstance(context, type) and hasattr(context, "_fields"):  # a named tuple's class
        return "." + context._fields[index]
    if isinstance(context, (list, tuple)) and len(context) == len(_spec_children(spec)):
        return "[%r]" % (context[index],)  # a dict's keys
    return "[%d]" % index


def _spec_paths(spec, prefix):
    children = _spec_children(spec)
    if not children and spec.num_leaves == 1:
        yield prefix
        return
    for index, child in enumerate(children):
        yield from _spec_paths(child, prefix + _child_key(spec, index))


def flatten(value, root):
    """[(path, leaf)] in pytree's order; the path starts with `root`."""
    import torch.utils._pytree as pytree
    if hasattr(pytree, "tree_flatten_with_path"):
        try:
            return [(root + pytree.keystr(path), leaf)
                    for path, leaf in pytree.tree_flatten_with_path(value)[0]]
        except ValueError:
            # A node a library registered without key names (transformers
            # 5.12's ModelOutput on torch 2.14: "Did not find a
            # flatten_with_keys_fn"): named off the TreeSpec, as on 1.13.
            pass
    leaves, spec = pytree.tree_flatten(value)
    return list(zip(_spec_paths(spec, root), leaves))
