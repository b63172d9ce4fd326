//! `optdyn list`: every component name with its parameters and defaults.

use optdyn::spec::ComponentInfo;

/// Arguments of `optdyn list`.
#[derive(clap::Args)]
pub struct ListArgs {
    /// What to list: objectives, optimizers, models or integrators (all when omitted).
    what: Option<String>,
}

fn print_section(title: &str, items: &[ComponentInfo]) -> optdyn::Result<()> {
    outln!("{title}:")?;
    for c in items {
        outln!("  {:<20} {}", c.name, c.summary)?;
        for p in c.params {
            outln!("      {:<26} default {:<12} {}", p.key, p.default, p.help)?;
        }
    }
    outln!()
}

/// Prints the requested catalogs.
pub fn run(a: &ListArgs) -> optdyn::Result<u8> {
    let sections: Vec<(&str, Vec<ComponentInfo>)> = vec![
        ("objectives", optdyn::objective::catalog()),
        ("optimizers", optdyn::optim::catalog()),
        ("models", optdyn::model::catalog()),
        ("integrators", optdyn::integrate::catalog()),
    ];
    match a.what.as_deref() {
        None => {
            for (t, items) in &sections {
                print_section(t, items)?;
            }
        }
        Some(w) => {
            let Some((t, items)) = sections.iter().find(|(t, _)| *t == w) else {
                return Err(optdyn::Error::spec(format!(
                    "list: unknown section '{w}' (allowed: objectives, optimizers, models, integrators)"
                )));
            };
            print_section(t, items)?;
        }
    }
    Ok(0)
}
