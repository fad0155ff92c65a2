"""Unit tests of how outputs and inputs are flattened and named
(pytree_paths, eager_check.output_leaves, example_inputs): leaves in
torch.utils._pytree's order, named by their path (output[0],
output['boxes'], output.scores) with torch's own path names where it has
them and the same names read off torch 1.13's TreeSpec; a value pytree
cannot flatten refused naming its path; the forms an inputs file may take
(tensor, positional tuple/list, keyword dict, (args, kwargs), nested
arguments) and what each is refused with."""

import collections
import os
import tempfile
import unittest

from engine.pt2ts_engine import TORCH_MISSING, torch_available

from _pt2ts import eager_check, example_inputs, pytree_paths
from _pt2ts.errors import ConversionError

if torch_available():
    import torch

    Detection = collections.namedtuple("Detection", "boxes scores")

    class Keywords(torch.nn.Module):
        def forward(self, input_ids, attention_mask=None, token_type_ids=None):
            return input_ids


class Options:
    """The fields of options.Options that example_inputs reads."""

    def __init__(self, example_inputs_path="", check_inputs_path=""):
        self.example_inputs = []
        self.check_inputs = []
        self.example_inputs_path = example_inputs_path
        self.check_inputs_path = check_inputs_path
        self.trust_weights = False


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class OutputLeavesTest(unittest.TestCase):
    def test_paths_follow_pytree_order(self):
        a, b, c, d = (torch.full((2,), float(i)) for i in range(4))
        outputs = ({"boxes": a, "labels": b}, [Detection(c, d)], None, 3)
        leaves = eager_check.output_leaves(torch, outputs)
        self.assertEqual([p for p, _ in leaves],
                         ["output[0]['boxes']", "output[0]['labels']", "output[1][0].boxes",
                          "output[1][0].scores", "output[3]"], "None is no leaf")
        self.assertTrue(torch.equal(leaves[2][1], c))
        self.assertEqual(leaves[4][1], 3)

    def test_dict_order_is_kept(self):
        """Insertion order, as pytree and LibTorch's dicts keep it."""
        leaves = pytree_paths.flatten({"z": 1, "a": 2}, "output")
        self.assertEqual(leaves, [("output['z']", 1), ("output['a']", 2)])

    def test_ordered_dict_and_single_tensor(self):
        x = torch.ones(1)
        self.assertEqual([p for p, _ in pytree_paths.flatten(
            collections.OrderedDict(logits=x), "output")], ["output['logits']"])
        self.assertEqual([p for p, _ in pytree_paths.flatten(x, "output")], ["output"])

    def test_names_read_off_the_tree_spec_are_torchs(self):
        """torch 1.13's pytree has no paths: they are read off its TreeSpec,
        and must be the names newer torch gives (compared where it has them)."""
        import torch.utils._pytree as pytree
        value = ({"boxes": 1, "labels": [2, 3]}, Detection(4, 5), collections.OrderedDict(z=6))
        from_spec = list(pytree_paths._spec_paths(pytree.tree_flatten(value)[1], "output"))
        self.assertEqual(from_spec, ["output[0]['boxes']", "output[0]['labels'][0]",
                                     "output[0]['labels'][1]", "output[1].boxes",
                                     "output[1].scores", "output[2]['z']"])
        if hasattr(pytree, "tree_flatten_with_path"):
            self.assertEqual(from_spec, [p for p, _ in pytree_paths.flatten(value, "output")])

    def test_a_node_registered_without_key_names_is_named_off_its_spec(self):
        """transformers 5.12 registers ModelOutput without key names; torch
        2.14's tree_flatten_with_path refuses such a node, so its leaves are
        named off the TreeSpec (where the torch has paths at all)."""
        import torch.utils._pytree as pytree
        register = getattr(pytree, "register_pytree_node", None) or pytree._register_pytree_node

        class ModelOutput(collections.OrderedDict):
            pass

        register(ModelOutput, lambda o: (list(o.values()), list(o.keys())),
                 lambda values, keys: ModelOutput(zip(keys, values)))
        value = (ModelOutput(last_hidden_state=1, pooler_output=2), 3)
        self.assertEqual(pytree_paths.flatten(value, "output"),
                         [("output[0]['last_hidden_state']", 1),
                          ("output[0]['pooler_output']", 2), ("output[1]", 3)])

    def test_leaves_are_detached_and_contiguous(self):
        x = torch.ones(3, 2, requires_grad=True).t()
        [(_, leaf)] = eager_check.output_leaves(torch, x * 2)
        self.assertFalse(leaf.requires_grad)
        self.assertTrue(leaf.is_contiguous())

    def test_unflattenable_value_names_its_path(self):
        class Boxes:
            pass
        with self.assertRaises(ConversionError) as raised:
            eager_check.output_leaves(torch, {"det": [torch.ones(1), Boxes()]})
        self.assertIn("cannot compare output['det'][1]: the model returns a Boxes there",
                      raised.exception.message)


@unittest.skipUnless(torch_available(), TORCH_MISSING)
class InputFormsTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def example(self, value, model=None):
        path = os.path.join(self.folder.name, "inputs.pt")
        torch.save(value, path)
        return example_inputs.example_set(torch, Options(example_inputs_path=path),
                                          model or Keywords())

    def test_forms(self):
        x, m = torch.ones(2, 3, dtype=torch.long), torch.zeros(2, 3, dtype=torch.long)
        self.assertEqual(len(self.example(x).args), 1)
        self.assertEqual(len(self.example((x, m)).args), 2)
        self.assertEqual(len(self.example([x, m]).args), 2)
        both = self.example(((x,), {"token_type_ids": m}))
        self.assertEqual((len(both.args), list(both.kwargs)), (1, ["token_type_ids"]))
        self.assertEqual(both.describe(), "2x3 int64, token_type_ids=2x3 int64")

    def test_keywords_that_follow_on_become_positional(self):
        """input_ids, attention_mask by name are the first two parameters."""
        x = torch.ones(2, 3, dtype=torch.long)
        folded = self.example({"attention_mask": x, "input_ids": x})
        self.assertEqual((len(folded.args), folded.kwargs), (2, {}))

    def test_nested_arguments_are_named_by_path(self):
        images = [torch.ones(3, 8, 8), torch.ones(3, 6, 10)]
        found = self.example((images,))
        self.assertEqual(found.describe(), "[3x8x8 float32, 3x6x10 float32]")
        [(name, value)] = found.arguments()
        self.assertEqual([p for p, _ in pytree_paths.flatten(value, name)],
                         ["argument 0[0]", "argument 0[1]"])

    def test_what_cannot_be_an_argument(self):
        cases = [((torch.ones(1), "text"), "argument 1 is a str"),
                 (([torch.ones(1), 3],), "argument 0[1] is an int"),
                 ("text", "holds a str")]
        for value, expected in cases:
            with self.assertRaises(ConversionError) as raised:
                self.example(value)
            message = raised.exception.message
            self.assertIn(expected, message)
            self.assertIn("a dict of keyword arguments", message)
            self.assertNotIn("holds a tuple; it must hold a tensor or a tuple", message)


if __name__ == "__main__":
    unittest.main()
