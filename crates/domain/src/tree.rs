//! The kinds of node in the admin tree and the kinds of grid.

use serde::{Deserialize, Serialize};

/// A stored or sent name that none of an enum's variants carries (a row written by a newer
/// version, or a hand-edited database): reading it fails instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {}: {:?}", self.what, self.name)
    }
}

impl std::error::Error for UnknownName {}

/// `TryFrom<String>` and `TryFrom<&str>` through the enum's `parse`, so database rows can decode
/// straight into it; `Display` prints `as_str`.
#[macro_export]
macro_rules! named_enum_conversions {
    ($name:ident, $what:expr) => {
        impl TryFrom<&str> for $name {
            type Error = $crate::tree::UnknownName;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                $name::parse(s).ok_or_else(|| $crate::tree::UnknownName {
                    what: $what,
                    name: s.to_string(),
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::tree::UnknownName;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::try_from(s.as_str())
            }
        }
    };
}

/// A node of the admin tree, from the city down to a building's unit, plus departments
/// (职能部门) that hang off a township, county or city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    City,
    County,
    Township,
    Village,
    Grid,
    Building,
    Unit,
    Department,
}

impl NodeKind {
    pub const ALL: [NodeKind; 8] = [
        NodeKind::City,
        NodeKind::County,
        NodeKind::Township,
        NodeKind::Village,
        NodeKind::Grid,
        NodeKind::Building,
        NodeKind::Unit,
        NodeKind::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::City => "city",
            NodeKind::County => "county",
            NodeKind::Township => "township",
            NodeKind::Village => "village",
            NodeKind::Grid => "grid",
            NodeKind::Building => "building",
            NodeKind::Unit => "unit",
            NodeKind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kinds a node of this kind may have as its parent.
    pub fn allowed_parents(self) -> &'static [NodeKind] {
        match self {
            NodeKind::City => &[],
            NodeKind::County => &[NodeKind::City],
            NodeKind::Township => &[NodeKind::County],
            NodeKind::Village => &[NodeKind::Township],
            NodeKind::Grid => &[NodeKind::Village],
            NodeKind::Building => &[NodeKind::Grid],
            NodeKind::Unit => &[NodeKind::Building],
            NodeKind::Department => &[NodeKind::City, NodeKind::County, NodeKind::Township],
        }
    }

    /// Nodes of these kinds carry a boundary that must tile their parent.
    pub fn has_territory(self) -> bool {
        matches!(
            self,
            NodeKind::City
                | NodeKind::County
                | NodeKind::Township
                | NodeKind::Village
                | NodeKind::Grid
        )
    }
}

named_enum_conversions!(NodeKind, "node kind");

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 基础网格 or one of the kinds of 专属网格.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridKind {
    Basic,
    Office,
    Park,
    Market,
    School,
    Hospital,
    Enterprise,
}

impl GridKind {
    pub const ALL: [GridKind; 7] = [
        GridKind::Basic,
        GridKind::Office,
        GridKind::Park,
        GridKind::Market,
        GridKind::School,
        GridKind::Hospital,
        GridKind::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GridKind::Basic => "basic",
            GridKind::Office => "office",
            GridKind::Park => "park",
            GridKind::Market => "market",
            GridKind::School => "school",
            GridKind::Hospital => "hospital",
            GridKind::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<GridKind> {
        GridKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_exclusive(self) -> bool {
        self != GridKind::Basic
    }
}

named_enum_conversions!(GridKind, "grid kind");

impl std::fmt::Display for GridKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
