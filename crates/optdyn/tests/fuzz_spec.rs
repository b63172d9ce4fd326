//! Fuzzes the spec grammar (`Spec::parse`) and every registry that builds from a spec string:
//! objectives, optimizers (`f64` and `f32`), models and integrators. Inputs are random text
//! (arbitrary unicode, control characters, separators, special numbers) and structure-aware
//! specs (registry names with their keys, or any key, set to awkward values).
//!
//! Properties: nothing panics; an error is one non-empty line; a parsed spec prints back to
//! itself; a built component survives one cheap use (an objective's value and gradient, one
//! optimizer step, a model's initial state and right-hand side, one integrator step), skipped
//! for specs asking for sizes above 1000.
//!
//! Longer run: `OPTDYN_FUZZ_CASES=100000 cargo test -p optdyn --release --test fuzz_spec`.

#[path = "common/fuzz.rs"]
mod fuzz;

use optdyn::integrate::{self, Integrator};
use optdyn::model::{self, FirstOrderFlow, ModelSpec};
use optdyn::objective::{self, Objective};
use optdyn::optim::{self, Optimizer, Sgd};
use optdyn::run::{Problem, Run};
use optdyn::spec::{ComponentInfo, Spec};
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::Arc;

/// Keys whose values are sizes (counts, dimensions, widths, step limits).
const SIZE_KEYS: &[&str] = &[
    "n",
    "dim",
    "widths",
    "teacher_widths",
    "classes",
    "groups",
    "paths",
    "terms",
    "substeps",
    "max_steps",
    "newton_iters",
    "dirs",
    "batch",
];

/// The largest size a built component may be asked for before its cheap use is skipped.
const MAX_SIZE: f64 = 1000.0;

/// Awkward values: signed zeros, huge, tiny, subnormal, overflowing, non-finite, non-decimal.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "2",
    "3",
    "10",
    "1000",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "1e999",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "infinity",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "0x10",
    "1_000",
    "+1",
    " 1 ",
    "",
];

fn catalog() -> Vec<ComponentInfo> {
    let mut c = objective::catalog();
    c.extend(optim::catalog());
    c.extend(model::catalog());
    c.extend(integrate::catalog());
    c
}

fn names() -> Vec<&'static str> {
    catalog().iter().map(|c| c.name).collect()
}

fn all_keys() -> Vec<&'static str> {
    catalog()
        .iter()
        .flat_map(|c| c.params.iter().map(|p| p.key))
        .collect()
}

/// Every default written in a catalog (`tanh`, `auto`, `0.9`, `required`, …).
fn defaults() -> Vec<&'static str> {
    catalog()
        .iter()
        .flat_map(|c| c.params.iter().map(|p| p.default))
        .collect()
}

/// The keys of every component called `name` (all keys when it has none).
fn keys_of(name: &str) -> Vec<&'static str> {
    let k: Vec<&'static str> = catalog()
        .iter()
        .filter(|c| c.name == name)
        .flat_map(|c| c.params.iter().map(|p| p.key))
        .collect();
    if k.is_empty() {
        all_keys()
    } else {
        k
    }
}

/// `key=default` for every parameter of the components called `name` (`required` → `1`).
fn defaults_of(name: &str) -> Vec<String> {
    catalog()
        .iter()
        .filter(|c| c.name == name)
        .flat_map(|c| c.params.iter())
        .map(|p| {
            let v = if p.default == "required" {
                "1"
            } else {
                p.default
            };
            format!("{}={v}", p.key)
        })
        .collect()
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(NUMBERS).prop_map(String::from),
        2 => select(defaults()).prop_map(String::from),
        1 => any::<f64>().prop_map(|x| x.to_string()),
        1 => any::<i64>().prop_map(|x| x.to_string()),
        2 => prop::collection::vec(select(NUMBERS), 0..5).prop_map(|v| v.join(";")),
        1 => select(names()).prop_map(|n| format!("{n}|n=3")),
        1 => "[ -~]{0,12}",
        1 => any::<String>(),
    ]
}

/// A registry name with some of its keys at their defaults plus odd pairs (any key, awkward
/// values, doubled `=`), joined with normal or doubled separators.
fn structured() -> impl Strategy<Value = String> {
    select(names()).prop_flat_map(|name| {
        let own = defaults_of(name);
        let most = own.len().min(3);
        let key = prop_oneof![
            4 => select(keys_of(name)).prop_map(String::from),
            1 => select(all_keys()).prop_map(String::from),
            1 => "[a-z_]{0,6}",
        ];
        let odd = (key, select(&["=", "==", " = ", ""][..]), value())
            .prop_map(|(k, eq, v)| format!("{k}{eq}{v}"));
        (
            prop::sample::subsequence(own, 0..=most),
            prop::collection::vec(odd, 0..2),
            prop_oneof![4 => Just(","), 1 => select(&[", ", ",,", ";", ":"][..])],
            prop_oneof![4 => Just(":"), 1 => select(&["::", " : "][..])],
        )
            .prop_map(move |(mut pairs, odd, sep, colon)| {
                pairs.extend(odd);
                if pairs.is_empty() {
                    name.to_string()
                } else {
                    format!("{name}{colon}{}", pairs.join(sep))
                }
            })
    })
}

/// Random text: arbitrary unicode, a spec-ish alphabet with control characters, and soups of
/// names, keys and separators.
fn random() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        select(names()).prop_map(String::from),
        select(all_keys()).prop_map(String::from),
        select(NUMBERS).prop_map(String::from),
        select(
            &[":", ",", "=", ";", "|", "\n", "\r", "\t", "\0", " ", "-", "expr:", "csv:", ".."][..]
        )
        .prop_map(String::from),
        any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        any::<String>(),
        r"[a-z0-9:,=;. _+\-|\n\r\t\x00\x{85}\x{2028}é∞]{0,40}",
        prop::collection::vec(piece, 0..16).prop_map(|v| v.concat()),
    ]
}

/// Whether `s` asks for a size above [`MAX_SIZE`] (its `inner=` spec included).
fn too_big(s: &Spec) -> bool {
    s.pairs.iter().any(|(k, v)| {
        if k == "inner" {
            return Spec::parse(&v.replace('|', ",")).is_ok_and(|inner| too_big(&inner));
        }
        SIZE_KEYS.contains(&k.as_str())
            && v.split([';', ','])
                .filter_map(|p| p.trim().parse::<f64>().ok())
                .any(|x| x.abs() > MAX_SIZE)
    })
}

/// The value and gradient of a small built objective at a point.
fn use_objective(f: &dyn Objective) {
    let n = f.dim();
    if n as f64 > MAX_SIZE {
        return;
    }
    let x: Vec<f64> = (0..n).map(|i| 0.5 - 0.25 * i as f64).collect();
    let mut g = vec![0.0; n];
    f.value(&x);
    f.value_gradient(&x, &mut g);
}

/// One step of a built optimizer on a 3-D sphere.
fn use_optimizer(opt: &dyn Optimizer<f64>, input: &str) -> Result<(), TestCaseError> {
    let problem = Problem::parse("sphere", vec![1.0, -2.0, 0.5]).expect("sphere builds");
    if let Err(e) = Run::discrete(&problem, opt).steps(1).execute(&mut []) {
        fuzz::one_line(&e, input)?;
    }
    Ok(())
}

/// A built integrator validates, and takes one step of a 2-D gradient flow unless its step
/// settings ask for more than about a thousand steps (tiny `dt`, or tuned `dopri5`/`dop853` controls).
fn use_integrator(integ: &dyn Integrator, s: &Spec, input: &str) -> Result<(), TestCaseError> {
    prop_assert!(!integ.name().is_empty());
    integ.order();
    if let Err(e) = integ.validate() {
        fuzz::one_line(&e, input)?;
    }
    let tiny_dt = s
        .pairs
        .iter()
        .any(|(k, v)| k == "dt" && v.parse::<f64>().is_ok_and(|dt| dt.abs() < 1e-4));
    if tiny_dt || ((s.name == "dopri5" || s.name == "dop853") && !s.pairs.is_empty()) {
        return Ok(());
    }
    let obj: Arc<dyn Objective> = Arc::from(objective::parse("sphere", 2).expect("sphere"));
    let problem = Problem::shared(obj.clone(), vec![1.0, -0.5]).expect("problem");
    let flow = FirstOrderFlow::gradient(&Sgd::default().lr(0.1), obj).expect("gradient flow");
    let run = Run::model(&problem, &flow, 0.1).integrator(integ).steps(1);
    if let Err(e) = run.execute(&mut []) {
        fuzz::one_line(&e, input)?;
    }
    Ok(())
}

/// Optimizers a model may be asked to model: every registry name with its defaults, and a few
/// options that models refuse or honour.
fn optimizers() -> Vec<Box<dyn Optimizer<f64>>> {
    let mut specs: Vec<String> = optim::registry()
        .iter()
        .map(|e| e.info.name.to_string())
        .collect();
    specs.extend(
        [
            "sgd:momentum=0.9",
            "sgd:momentum=0.5,nesterov=true",
            "adam:amsgrad=true",
            "adamw:weight_decay=0.1",
        ]
        .map(String::from),
    );
    specs
        .iter()
        .map(|s| optim::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect()
}

/// The initial state and right-hand side of a built model.
fn use_model(m: &dyn model::Model, x0: &[f64]) {
    let z = m.initial_state(x0);
    let mut dz = vec![0.0; z.len()];
    m.rhs(m.t0(), &z, &mut dz);
}

/// Every property for one spec text.
fn check(text: &str) -> Result<(), TestCaseError> {
    let spec = Spec::parse(text);
    match &spec {
        Err(e) => fuzz::one_line(e, text)?,
        Ok(s) if s.name != "expr" => {
            let again = Spec::parse(&s.to_string());
            prop_assert_eq!(
                again.as_ref().ok(),
                Some(s),
                "'{}' does not print back",
                text
            );
        }
        Ok(_) => {}
    }
    let Ok(spec) = spec else {
        return Ok(());
    };
    if too_big(&spec) {
        return Ok(());
    }
    for dim in [0, 1, 2, 3] {
        match objective::parse(text, dim) {
            Ok(f) => use_objective(f.as_ref()),
            Err(e) => fuzz::one_line(&e, text)?,
        }
    }
    match optim::parse(text) {
        Ok(opt) => use_optimizer(opt.as_ref(), text)?,
        Err(e) => fuzz::one_line(&e, text)?,
    }
    if let Err(e) = optim::parse_as::<f32>(text) {
        fuzz::one_line(&e, text)?;
    }
    match integrate::parse(text) {
        Ok(integ) => use_integrator(integ.as_ref(), &spec, text)?,
        Err(e) => fuzz::one_line(&e, text)?,
    }
    if let Err(e) = ModelSpec::parse(text) {
        fuzz::one_line(&e, text)?;
        return Ok(());
    }
    let obj: Arc<dyn Objective> = Arc::from(objective::parse("sphere", 2).expect("sphere"));
    let x0 = [1.0, -0.5];
    for opt in optimizers() {
        match model::parse(text, opt.as_ref(), obj.clone()) {
            Ok(m) => use_model(m.as_ref(), &x0),
            Err(e) => fuzz::one_line(&e, text)?,
        }
    }
    Ok(())
}

/// Memory-kernel specs (`power:a=…;c=…;T=…`, `soe:terms=w/r;…`) with awkward numbers, as
/// `adam-ide1:kernel_m=…` and `rmsprop-ide1:kernel=…`.
fn kernel_specs() -> impl Strategy<Value = String> {
    let num = || select(NUMBERS.to_vec()).prop_map(str::to_string);
    let power = (
        num(),
        proptest::option::of((select(vec!["c", "T", "x"]), num())),
    )
        .prop_map(|(a, extra)| match extra {
            Some((k, v)) => format!("power:a={a};{k}={v}"),
            None => format!("power:a={a}"),
        });
    let soe = proptest::collection::vec((num(), num()), 0..4).prop_map(|terms| {
        let t: Vec<String> = terms.iter().map(|(w, r)| format!("{w}/{r}")).collect();
        format!("soe:terms={}", t.join(";"))
    });
    (prop_oneof![power, soe], any::<bool>()).prop_map(|(k, adam)| {
        if adam {
            format!("adam-ide1:kernel_m={k}")
        } else {
            format!("rmsprop-ide1:kernel={k}")
        }
    })
}

/// A kernel model that builds survives a short run by the memory integrator (both paths): it
/// finishes or stops with a one-line reason, never panics.
fn run_kernel_model(text: &str) -> Result<(), TestCaseError> {
    let p = Problem::parse("rosen1d:c=4", vec![-1.5]).unwrap();
    let opt = if text.starts_with("adam") {
        optim::parse("adam:lr=0.01").unwrap()
    } else {
        optim::parse("rmsprop:lr=0.01").unwrap()
    };
    let m = match model::parse(text, opt.as_ref(), p.objective().clone()) {
        Ok(m) => m,
        Err(e) => return fuzz::one_line(&e, text),
    };
    for spec in [
        "volterra:substeps=2",
        "volterra:substeps=2,memory=quadrature",
    ] {
        let integ = integrate::parse(spec).unwrap();
        match Run::model(&p, m.as_ref(), 0.01)
            .integrator(integ.as_ref())
            .steps(5)
            .execute(&mut [])
        {
            Ok(end) => prop_assert!(!end.stop.to_string().contains('\n'), "{text}: {}", end.stop),
            Err(e) => fuzz::one_line(&e, text)?,
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(1024))]

    #[test]
    fn random_text_never_panics(text in random()) {
        check(&text)?;
    }

    #[test]
    fn kernel_specs_never_panic(text in kernel_specs()) {
        run_kernel_model(&text)?;
    }

    #[test]
    fn structured_specs_never_panic(text in structured()) {
        check(&text)?;
    }
}

/// Finding of this suite: a control character in a name, key or value reached the one-line
/// error messages verbatim (`unknown objective '=\ra'`). Such specs are now refused up front.
#[test]
fn control_characters_are_refused_in_one_line() {
    let e = Spec::parse("=\ra").unwrap_err().to_string();
    assert_eq!(
        e,
        "spec '=\\ra': a name, key or value contains a control character"
    );
    for text in [
        "adam:lr=1\n2",
        "adam:l\rr=1",
        ": a\nb",
        "adam:x\ny",
        "sgd:lr=\0",
    ] {
        let e = Spec::parse(text).unwrap_err().to_string();
        assert!(!e.contains(['\n', '\r']), "{e:?}");
    }
    // Whitespace around names, keys and values is still trimmed.
    let s = Spec::parse("adam:lr=0.1,\n beta1 =\t0.9\n").unwrap();
    assert_eq!(s.f64("beta1", 0.0).unwrap(), 0.9);
    let e = optdyn::spec::parse_list("1;\n2\r;x").unwrap_err();
    assert!(!e.contains(['\n', '\r']), "{e:?}");
}

/// Finding of this suite: a tableau without weights overflowed `s − 1` and panicked.
#[test]
fn butcher_without_weights_is_an_error() {
    for text in ["butcher:b=", "butcher:b = ", "butcher:b=;;"] {
        let e = integrate::parse(text).err().expect("an error");
        assert!(!e.to_string().contains(['\n', '\r']), "{e}");
    }
}

/// Finding of this suite: `scale_invariant` nested 10 000 deep overflowed the stack.
#[test]
fn deeply_nested_scale_invariant_is_an_error() {
    let text = format!("{}noise", "scale_invariant:inner=".repeat(10_000));
    let e = objective::parse(&text, 2)
        .err()
        .expect("an error")
        .to_string();
    assert!(
        e.contains("nested 8 or more deep") && !e.contains('\n'),
        "{}",
        &e[..e.len().min(200)]
    );
}
