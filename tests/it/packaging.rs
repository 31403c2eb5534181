//! Installing without Rust (issue 25, item 1): `packaging/build.sh` makes the Debian package
//! and the tarball; the package, unpacked into a temporary root, runs init → new → check →
//! build with nothing but what it carries.

use std::path::Path;
use std::process::{Command, Output};

use crate::common;

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().expect("run");
    assert!(
        o.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        common::stderr_of(&o)
    );
    o
}

#[test]
fn the_package_installs_and_runs_the_first_hour() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    run(Command::new("bash")
        .arg(common::repo().join("packaging/build.sh"))
        .args(["--binary", env!("CARGO_BIN_EXE_jixiao"), "--fast", "--out"])
        .arg(&pkg)
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    let version = env!("CARGO_PKG_VERSION");
    let deb = pkg.join(format!("jixiao_{version}_amd64.deb"));
    let tarball = pkg.join(format!("jixiao-{version}-x86_64-linux.tar.gz"));
    assert!(deb.is_file() && tarball.is_file());

    // The package's control data and files.
    let info = run(Command::new("dpkg-deb").arg("-f").arg(&deb));
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Package: jixiao") && info.contains("Recommends: fonts-noto-cjk"));
    let root = dir.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let usr = root.join("usr");
    for rel in [
        "bin/jixiao",
        "share/man/man1/jixiao.1.gz",
        "share/man/man1/jixiao-build.1.gz",
        "share/bash-completion/completions/jixiao",
        "share/zsh/vendor-completions/_jixiao",
        "share/fish/vendor_completions.d/jixiao.fish",
        "share/jixiao/templates/xinjiang/style.yaml",
        "share/doc/jixiao/README.md",
    ] {
        assert!(usr.join(rel).is_file(), "{rel} in the package");
    }

    // The first hour, with the package's binary alone on PATH and a fresh home.
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let jixiao = |cwd: &Path, args: &[&str]| {
        run(Command::new("jixiao")
            .current_dir(cwd)
            .args(args)
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", usr.join("bin").display()),
            )
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME"))
    };
    jixiao(&home, &["init", "我的项目", "--no-git"]);
    let project = home.join("我的项目");
    jixiao(
        &project,
        &["new", "甲局", "--style", "xinjiang", "--year", "2025"],
    );
    assert!(project.join("data").read_dir().unwrap().count() == 1);
    // A filled-in department instead of the placeholders.
    for e in project.join("data").read_dir().unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    std::fs::copy(
        common::repo().join("data/2023-kuerle-xinfangju.yaml"),
        project.join("data/2023-kuerle-xinfangju.yaml"),
    )
    .unwrap();
    jixiao(&project, &["check"]);
    jixiao(&project, &["build"]);
    let built = common::outputs_below(&project.join("out"));
    assert!(
        built
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "pdf")),
        "{built:?}"
    );

    // The tarball carries the same tree and says how to install it.
    let list = run(Command::new("tar").arg("-tzf").arg(&tarball));
    let list = String::from_utf8_lossy(&list.stdout);
    let top = format!("jixiao-{version}-x86_64-linux/");
    for rel in ["bin/jixiao", "INSTALL.txt", "share/man/man1/jixiao.1.gz"] {
        assert!(
            list.contains(&format!("{top}{rel}")),
            "{rel} in the tarball"
        );
    }
}
