"""The two wrong results of the spec-string era, checked through the Python package."""

import numpy as np

import optdyn


def test_a_maximizing_adam_has_an_ascending_model():
    opt = optdyn.optim.Adam(lr=0.01, maximize=True)
    d = optdyn.run("expr:(x-4)^2", [1.0], opt, steps=100)
    m = optdyn.run("expr:(x-4)^2", [1.0], opt, steps=100, model="adam-ide1")
    assert abs(d.x[5, 0] - 0.95) < 1e-3
    assert m.x[-1, 0] < 0.0 < m.x[0, 0]
    assert abs(d.x[-1, 0] - m.x[-1, 0]) < 2e-2


def test_run_and_sweep_agree_on_a_t0_lr_model():
    opt = "adam:lr=0.01,beta1=0.99,beta2=0.999"
    tr = optdyn.run("rosen1d:c=1.5", [-1.5], opt, steps=100, model="adam-ide1:t0=lr")
    assert tr.step[-1] == 100 and abs(tr.t[-1] - 1.01) < 1e-15
    assert tr.x[-1, 0] == -0.6504796222963048
    s = optdyn.sweep(
        "rosen1d:c=1.5", [-1.5], opt, "beta1=0.99", model="adam-ide1:t0=lr", steps=100, metric="final_x"
    )
    assert s["columns"]["final_x0"][0] == tr.x[-1, 0]
    assert s["columns"]["status"] == ["ok"]
