//! Which grid holds a point: an R-tree over the grids' bounding boxes, then an exact
//! point-in-polygon test on the few candidates.

use geo::algorithm::coordinate_position::CoordPos;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Polygon};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::geometry::polygon_position;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// One indexed polygon: which item it belongs to.
struct Piece {
    polygon: Polygon<f64>,
    item: usize,
}

/// Finds the item whose territory holds a point.
///
/// Rule for ties: a point strictly inside a polygon returns that item at once (grids do not
/// overlap, so this is unique). Only when no candidate holds the point in its interior are the
/// candidates whose boundary the point lies on considered (a shared edge or vertex, or the outer
/// edge of a single grid), and the one with the smallest code wins, whatever the order of
/// insertion. A point outside every item gives `None`. Holes are honoured: a point inside a hole
/// is outside that item (and on the hole's ring is on its boundary).
///
/// A lookup allocates nothing: it walks the R-tree's envelopes that contain the point and tests
/// the candidates, returning on the first interior hit.
pub struct LocateIndex<T> {
    items: Vec<T>,
    codes: Vec<String>,
    pieces: Vec<Piece>,
    tree: RTree<Entry>,
}

fn envelope(p: &Polygon<f64>) -> Option<Rectangle<[f64; 2]>> {
    p.bounding_rect()
        .map(|r| Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}

impl<T> LocateIndex<T> {
    /// Builds the index: one R-tree entry per polygon of each item's MultiPolygon.
    pub fn build(items: Vec<(String, MultiPolygon<f64>, T)>) -> Self {
        let mut out_items = Vec::with_capacity(items.len());
        let mut codes = Vec::with_capacity(items.len());
        let mut pieces = Vec::new();
        let mut entries = Vec::new();
        for (idx, (code, mp, value)) in items.into_iter().enumerate() {
            for polygon in mp.0 {
                if let Some(env) = envelope(&polygon) {
                    entries.push(GeomWithData::new(env, pieces.len()));
                    pieces.push(Piece { polygon, item: idx });
                }
            }
            codes.push(code);
            out_items.push(value);
        }
        LocateIndex {
            items: out_items,
            codes,
            pieces,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The item holding the point (see the type's doc for ties), or `None`.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&T> {
        let c = Coord { x: lon, y: lat };
        let mut boundary: Option<usize> = None;
        for e in self.tree.locate_all_at_point(&[lon, lat]) {
            let piece = &self.pieces[e.data];
            match polygon_position(&piece.polygon, c) {
                CoordPos::Inside => return self.items.get(piece.item),
                CoordPos::OnBoundary => {
                    let better = match boundary {
                        None => true,
                        Some(b) => self.codes[piece.item] < self.codes[b],
                    };
                    if better {
                        boundary = Some(piece.item);
                    }
                }
                CoordPos::Outside => {}
            }
        }
        boundary.and_then(|i| self.items.get(i))
    }

    /// The code an item was built with.
    pub fn code(&self, index: usize) -> Option<&str> {
        self.codes.get(index).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A baseline for benchmarks: a bare R-tree of the same polygons and a plain `contains` loop that
/// returns the first hit (no tie rule; boundary points are not contained).
pub struct BareIndex {
    n: usize,
    polygons: Vec<(Polygon<f64>, usize)>,
    tree: RTree<Entry>,
}

impl BareIndex {
    pub fn build(polygons: &[MultiPolygon<f64>]) -> Self {
        let mut flat = Vec::new();
        let mut entries = Vec::new();
        for (i, mp) in polygons.iter().enumerate() {
            for p in &mp.0 {
                if let Some(env) = envelope(p) {
                    entries.push(GeomWithData::new(env, flat.len()));
                    flat.push((p.clone(), i));
                }
            }
        }
        BareIndex {
            n: polygons.len(),
            polygons: flat,
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn first_containing(&self, lon: f64, lat: f64) -> Option<usize> {
        let pt = Point::new(lon, lat);
        self.tree
            .locate_all_at_point(&[lon, lat])
            .map(|e| &self.polygons[e.data])
            .find(|(p, _)| p.contains(&pt))
            .map(|(_, i)| *i)
    }

    pub fn len(&self) -> usize {
        self.n
    }
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use geo::polygon;

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon![
            (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)
        ]])
    }

    fn two_by_two(reverse: bool) -> LocateIndex<&'static str> {
        let mut items = vec![
            ("A".to_string(), sq(0.0, 0.0, 1.0, 1.0), "A"),
            ("B".to_string(), sq(1.0, 0.0, 2.0, 1.0), "B"),
            ("C".to_string(), sq(0.0, 1.0, 1.0, 2.0), "C"),
            ("D".to_string(), sq(1.0, 1.0, 2.0, 2.0), "D"),
        ];
        if reverse {
            items.reverse();
        }
        LocateIndex::build(items)
    }

    #[test]
    fn interior_edges_vertices_and_outside() {
        for reverse in [false, true] {
            let idx = two_by_two(reverse);
            assert_eq!(idx.len(), 4);
            assert_eq!(idx.locate(0.5, 0.5), Some(&"A"));
            assert_eq!(idx.locate(1.5, 0.5), Some(&"B"));
            assert_eq!(idx.locate(0.5, 1.5), Some(&"C"));
            assert_eq!(idx.locate(1.5, 1.5), Some(&"D"));
            // Shared edges: the smallest code wins.
            assert_eq!(idx.locate(1.0, 0.5), Some(&"A"));
            assert_eq!(idx.locate(1.0, 1.5), Some(&"C"));
            assert_eq!(idx.locate(1.5, 1.0), Some(&"B"));
            // Shared vertex of all four.
            assert_eq!(idx.locate(1.0, 1.0), Some(&"A"));
            // Outer edge of one grid only.
            assert_eq!(idx.locate(2.0, 1.5), Some(&"D"));
            assert_eq!(idx.locate(2.5, 0.5), None);
            assert_eq!(idx.locate(-0.1, 1.0), None);
        }
    }

    #[test]
    fn holes_are_honoured() {
        let with_hole = MultiPolygon::new(vec![polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 3.0, y: 1.0), (x: 3.0, y: 3.0), (x: 1.0, y: 3.0), (x: 1.0, y: 1.0)]],
        )]);
        let island = sq(1.0, 1.0, 3.0, 3.0);
        let idx = LocateIndex::build(vec![
            ("Z".to_string(), with_hole.clone(), 1),
            ("Y".to_string(), island.clone(), 2),
        ]);
        assert_eq!(idx.locate(0.5, 0.5), Some(&1));
        assert_eq!(idx.locate(2.0, 2.0), Some(&2));
        // On the hole's ring: both boundaries; "Y" < "Z".
        assert_eq!(idx.locate(1.0, 2.0), Some(&2));
        let only_ring = LocateIndex::build(vec![("Z".to_string(), with_hole.clone(), 1)]);
        assert_eq!(only_ring.locate(2.0, 2.0), None);
        assert_eq!(only_ring.locate(1.0, 2.0), Some(&1));

        let bare = BareIndex::build(&[with_hole, island]);
        assert_eq!(bare.first_containing(0.5, 0.5), Some(0));
        assert_eq!(bare.first_containing(2.0, 2.0), Some(1));
        assert_eq!(bare.first_containing(9.0, 9.0), None);
    }

    #[test]
    fn agrees_with_bare_index_inside() {
        let grids: Vec<MultiPolygon<f64>> = (0..20)
            .flat_map(|i| {
                (0..20).map(move |j| sq(i as f64, j as f64, i as f64 + 1.0, j as f64 + 1.0))
            })
            .collect();
        let idx = LocateIndex::build(
            grids
                .iter()
                .enumerate()
                .map(|(i, g)| (format!("{i:04}"), g.clone(), i))
                .collect(),
        );
        let bare = BareIndex::build(&grids);
        for k in 0..1000 {
            let x = (k as f64 * 0.37) % 20.0 + 0.001;
            let y = (k as f64 * 0.53) % 20.0 + 0.001;
            assert_eq!(idx.locate(x, y).copied(), bare.first_containing(x, y));
        }
    }
}
