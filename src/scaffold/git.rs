//! `jixiao init`'s git repository: a pre-commit hook that checks the staged data, and the
//! diff driver that shows `jixiao diff`'s report.

use super::*;

/// The pre-commit hook `init` writes: `jixiao check` on the data as staged (the index's files
/// written to a temporary directory), so a commit never records data that fails the check.
pub(super) fn pre_commit_hook(jixiao: &str) -> String {
    format!(
        r#"#!/bin/sh
# 由 jixiao init 写入：提交前校验暂存的数据文件（jixiao check）。
# 要临时跳过：git commit --no-verify
J=$(command -v jixiao || echo {jixiao})
staged=$(git diff --cached --name-only --diff-filter=ACMR -- 'data/*.yaml' 'data/*.yml')
[ -z "$staged" ] && exit 0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
git checkout-index --all --prefix="$tmp/" || exit 1
root=$PWD
cd "$tmp" || exit 1
if [ ! -d templates ] && [ -d "$root/templates" ]; then
  set -- --templates "$root/templates"
fi
echo "jixiao：提交前校验暂存的数据……" >&2
"$J" check data "$@" || {{
  echo "jixiao：数据有错误，没有提交。改正后再提交（或 git commit --no-verify 跳过校验）。" >&2
  exit 1
}}
"#
    )
}

/// A word for the shell, quoted.
pub(super) fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What `init_git` did.
pub enum GitSetup {
    /// A repository was made with the hook and the diff driver.
    Made,
    /// The project is inside an existing repository: left alone.
    Inside(PathBuf),
}

/// A git repository for a new project at `root`: the pre-commit hook that checks the staged
/// data, and a diff driver so that `git diff` and `git log -p --ext-diff` on a data file show
/// `jixiao diff`'s report (`.gitattributes` and the repository's config). A project already
/// inside a repository is left alone (its hooks are someone else's).
pub fn init_git(root: &Path) -> Result<GitSetup, String> {
    if let Ok(repo) = git2::Repository::discover(root) {
        let top = repo.workdir().unwrap_or(repo.path()).to_path_buf();
        return Ok(GitSetup::Inside(top));
    }
    let fail = |e: git2::Error| format!("无法建立 git 仓库：{}", e.message());
    let repo = git2::Repository::init(root).map_err(fail)?;
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "jixiao".to_string());
    let mut config = repo.config().map_err(fail)?;
    config
        .set_str(
            "diff.jixiao.command",
            &format!("{} diff --git-external", shell_word(&exe)),
        )
        .map_err(fail)?;
    let io = |e: FsError| format!("无法写入：{e}");
    let project = Dir::root(root, false).map_err(io)?;
    project.create_new_below(
        Path::new(".gitattributes"),
        b"# jixiao: git diff shows the data's changes as jixiao diff reports them\ndata/*.yaml diff=jixiao\ndata/*.yml diff=jixiao\n",
    )
    .map_err(io)?;
    let hook = Path::new(".git/hooks/pre-commit");
    project
        .create_new_below(hook, pre_commit_hook(&shell_word(&exe)).as_bytes())
        .map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join(hook), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("无法设置 {} 为可执行：{e}", hook.display()))?;
    }
    Ok(GitSetup::Made)
}
