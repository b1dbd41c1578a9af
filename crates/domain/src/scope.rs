//! Scope: what part of the tree a caller may see. A node's path is the chain of codes from the
//! root, `/350100000000/350102000000/…/`; a scope is the path of the caller's node, and a record
//! is in scope when its path starts with it.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    path: String,
}

impl Scope {
    /// The scope of a user attached to the node with this path.
    pub fn of_path(path: &str) -> Scope {
        let mut path = path.to_string();
        if !path.ends_with('/') {
            path.push('/');
        }
        Scope { path }
    }

    /// Everything: for the command line run by the operator of the machine.
    pub fn everything() -> Scope {
        Scope {
            path: "/".to_string(),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The prefix for an SQL `LIKE`; codes hold only digits, `D` and `/`, so nothing needs escaping.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.path)
    }

    pub fn contains(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }
}

/// The path of a child node.
pub fn child_path(parent_path: &str, code: &str) -> String {
    format!("{parent_path}{code}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_scope() {
        let s = Scope::of_path("/350100000000/350102000000");
        assert!(s.contains("/350100000000/350102000000/350102001000/"));
        assert!(!s.contains("/350100000000/350103000000/"));
        assert!(!s.contains("/350100000000/"));
        assert!(Scope::everything().contains("/350100000000/"));
        assert_eq!(
            child_path("/350100000000/", "350102000000"),
            "/350100000000/350102000000/"
        );
    }
}
