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

    /// Everything: only the System actor hands this out (`System::scope`).
    pub(crate) fn everything() -> Scope {
        Scope {
            path: "/".to_string(),
        }
    }

    /// The part of this scope under the node with `path`: that node's scope when it lies inside
    /// this one, else a scope that holds nothing. Narrowing never widens.
    pub fn narrow(&self, path: &str) -> Scope {
        if self.contains(path) {
            Scope::of_path(path)
        } else {
            Scope {
                path: NOTHING.to_string(),
            }
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

/// No record's path starts with this: paths start with `/` and a code.
const NOTHING: &str = "//";

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
        let county = s.narrow("/350100000000/350102000000/350102001000/");
        assert!(county.contains("/350100000000/350102000000/350102001000/350102001001/"));
        assert!(!county.contains("/350100000000/350102000000/350102002000/"));
        let outside = s.narrow("/350100000000/350103000000/");
        assert!(!outside.contains("/350100000000/350103000000/"));
        assert!(!outside.contains("/350100000000/350102000000/"));
        assert_eq!(
            child_path("/350100000000/", "350102000000"),
            "/350100000000/350102000000/"
        );
    }
}
