//! The demo report end to end: it runs, writes every figure it links, and — in a real headless
//! Chromium when one is installed (always in CI) — the page loads with every image present.

use std::path::Path;
use std::process::Command;

fn image_sources(html: &str) -> Vec<String> {
    html.split("<img src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

#[test]
fn demo_writes_a_complete_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let st = Command::new(env!("CARGO_BIN_EXE_optdyn"))
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let imgs = image_sources(&html);
    assert!(imgs.len() >= 6, "only {} images linked", imgs.len());
    for src in &imgs {
        let p = out.join(src);
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            p.display()
        );
        assert!(bytes.len() > 5000, "{} is suspiciously small", p.display());
    }
    check_in_browser(&out.join("index.html"), imgs.len());
}

fn check_in_browser(index: &Path, n: usize) {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium installed for the browser check"
        );
        eprintln!("chromium not installed: skipping the headless-browser check");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", index.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let want = format!("data-images=\"{n}/{n}\"");
    assert!(
        dom.contains(&want),
        "browser did not load every image (want {want}); stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
