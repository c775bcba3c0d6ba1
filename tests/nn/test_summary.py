"""nn.summary: the numbers of the issue, nesting, and no side effects."""

import numpy as np

import autograd as ag
import nn


def test_issue_example(capsys):
    model = nn.Sequential(nn.Linear(1024, 2), nn.Tanh(), nn.Linear(2, 2))
    result = nn.summary(model, (8, 1024))
    printed = capsys.readouterr().out
    assert [row.num_params for row in result.rows] == [0, 2050, 0, 6]
    assert [row.type for row in result.rows] == ["Sequential", "Linear", "Tanh", "Linear"]
    assert all(row.output_shape == (8, 2) for row in result.rows)
    assert result.total_params == result.trainable_params == 2056
    assert result.output_shape == (8, 2) and result.param_bytes == 2056 * 8
    for text in [
        "2,050",
        "Total params: 2,056",
        "Trainable params: 2,056",
        "(8, 2)",
        "16,448 bytes",
    ]:
        assert text in printed
    assert str(result) in printed
    assert (
        repr(result)
        == "ModelSummary(total_params=2,056, trainable_params=2,056, output_shape=(8, 2))"
    )


def test_nested_models_frozen_parameters_and_shapes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(16, 4, dtype=np.float32), nn.ReLU())
            self.head = nn.Linear(4, 3, dtype=np.float32)

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    net.head.requires_grad_(False)
    result = nn.summary(net, (5, 4, 4), verbose=False)
    by_name = {(row.depth, row.name): row for row in result.rows}
    assert by_name[(2, "1")].output_shape == (5, 4) and by_name[(2, "0")].output_shape == (5, 16)
    assert by_name[(1, "head")].num_params == 15
    assert result.total_params == 68 + 15 and result.trainable_params == 68
    assert result.non_trainable_params == 15 and result.param_bytes == 83 * 4
    assert "(1) Linear" in str(result)


def test_summary_changes_neither_mode_nor_random_state():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    ag.manual_seed(0)
    expected_next = ag.default_rng().random()
    ag.manual_seed(0)
    nn.summary(model, (2, 3), verbose=False)
    assert model.training and model[1].training
    assert ag.default_rng().random() == expected_next
