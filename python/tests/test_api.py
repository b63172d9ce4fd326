"""The package: public names, docstrings, catalogs, optimizer classes with torch's names."""

import inspect

import pytest

import optdyn


def test_every_public_name_is_documented():
    for name in optdyn.__all__:
        obj = getattr(optdyn, name)
        if name == "__version__":
            assert isinstance(obj, str)
            continue
        assert inspect.getdoc(obj), f"optdyn.{name} has no docstring"
    for name in optdyn.optim.__all__:
        assert inspect.getdoc(getattr(optdyn.optim, name)), name
    doc = inspect.getdoc(optdyn.run)
    assert "objective" in doc and "Returns" in doc and "Example" in doc


def test_list_reads_the_registries():
    cats = optdyn.list()
    assert set(cats) == {"objectives", "optimizers", "models", "integrators"}
    names = [e["name"] for e in optdyn.list("optimizers")]
    assert names[:6] == ["sgd", "adagrad", "rmsprop", "scalar-rmsprop", "adadelta", "adam"]
    # Every optimizer of the registry has a class in optdyn.optim.
    classes = {getattr(optdyn.optim, c)._name for c in optdyn.optim.__all__ if c != "Optimizer"}
    assert classes == set(names)
    adam = next(e for e in cats["optimizers"] if e["name"] == "adam")
    assert {p["key"]: p["default"] for p in adam["params"]}["beta2"] == "0.999"
    with pytest.raises(optdyn.SpecError, match="unknown section"):
        optdyn.list("nope")


def test_optimizer_classes_take_torch_names_and_defaults():
    a = optdyn.optim.Adam()
    assert a.lr == 1e-3
    assert inspect.signature(optdyn.optim.Adam).parameters["betas"].default == (0.9, 0.999)
    assert inspect.signature(optdyn.optim.AdamW).parameters["weight_decay"].default == 0.01
    assert inspect.signature(optdyn.optim.RMSprop).parameters["alpha"].default == 0.99
    assert optdyn.optim.SGD(lr=0.1, momentum=0.9, nesterov=True).spec == (
        "sgd:lr=0.1,momentum=0.9,dampening=0.0,weight_decay=0.0,nesterov=true,maximize=false"
    )
    assert optdyn.optim.Adam(lr=0.02).with_lr(0.5).lr == 0.5
    with pytest.raises(optdyn.SpecError, match=r"adam: beta1 must be in \[0, 1\), got 1.2"):
        optdyn.optim.Adam(betas=(1.2, 0.9))
    with pytest.raises(optdyn.SpecError, match="nesterov requires momentum > 0"):
        optdyn.optim.SGD(nesterov=True)
    assert issubclass(optdyn.SpecError, ValueError)
