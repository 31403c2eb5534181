//! A git repository made in a test, through the same crate jixiao reads revisions with:
//! commits with fixed times, so dates are known.

use std::path::Path;

use git2::{IndexAddOption, ObjectType, Repository, Signature, Time};

/// A new repository with its work tree at `dir`.
pub fn init(dir: &Path) -> Repository {
    Repository::init(dir).expect("git init")
}

/// Commits every file of the work tree as it is (new, changed and removed files) at `time`
/// (seconds since 1970; the committer's zone is UTC+8, as in China).
pub fn commit_all(repo: &Repository, message: &str, time: i64) -> git2::Oid {
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), IndexAddOption::DEFAULT, None)
        .unwrap();
    index.update_all(["*"].iter(), None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::new("测试", "test@example.org", &Time::new(time, 480)).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

/// Tags HEAD as `name`.
pub fn tag(repo: &Repository, name: &str) {
    let head = repo.head().unwrap().peel(ObjectType::Commit).unwrap();
    repo.tag_lightweight(name, &head, false).unwrap();
}
