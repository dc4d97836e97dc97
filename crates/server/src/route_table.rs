//! The path matcher: a trie of path segments whose `{parameter}` segments match any one
//! segment, with the endpoints of each method at the end.
//!
//! Matrix templates that a general router refuses are fine here: parameters at the same place
//! with different names (`{roomId}`, `{roomIdOrAlias}`) share one node, and a final parameter
//! may be empty, with or without its slash (the spec's optional `{stateKey}`), as
//! `matrix_api_core::path::match_template` reads templates. A lookup walks one segment per
//! level without allocating, trying the literal child (binary search, by length first so
//! that most comparisons need no byte compare) before the parameter.

use http::Method;

/// Where each template leads, by method.
#[derive(Debug, Default)]
pub(crate) struct RouteTable {
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    /// Literal segments, sorted by [`by_length`].
    literals: Vec<(&'static str, Node)>,
    /// A `{parameter}` segment.
    param: Option<Box<Node>>,
    /// The endpoints whose template ends here, by method.
    methods: Vec<(Method, usize)>,
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup<'t> {
    /// The endpoint for the path and method.
    Found(usize),
    /// Paths like this exist, for these methods only.
    WrongMethod(&'t [(Method, usize)]),
    /// No template matches the path.
    NotFound,
}

/// A second endpoint for a template shape and method that already has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("another endpoint already serves this path and method")]
pub(crate) struct Duplicate {
    /// The endpoint that keeps the route.
    pub(crate) existing: usize,
}

impl RouteTable {
    /// Routes `method` on `template` (`/_matrix/client/v3/rooms/{roomId}/join`) to
    /// `endpoint`; the first endpoint for a shape and method keeps it.
    pub(crate) fn insert(
        &mut self,
        template: &'static str,
        method: Method,
        endpoint: usize,
    ) -> Result<(), Duplicate> {
        let mut node = &mut self.root;
        for segment in template.strip_prefix('/').unwrap_or(template).split('/') {
            node = if segment.starts_with('{') && segment.ends_with('}') {
                node.param.get_or_insert_with(Box::default)
            } else {
                let index = match node
                    .literals
                    .binary_search_by(|(s, _)| by_length(s, segment))
                {
                    Ok(index) => index,
                    Err(index) => {
                        node.literals.insert(index, (segment, Node::default()));
                        index
                    }
                };
                &mut node.literals[index].1
            };
        }
        if let Some((_, existing)) = node.methods.iter().find(|(m, _)| *m == method) {
            return Err(Duplicate {
                existing: *existing,
            });
        }
        node.methods.push((method, endpoint));
        Ok(())
    }

    /// The endpoint for `method` on `path` (without query, still percent-encoded).
    pub(crate) fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        let Some(rest) = path.strip_prefix('/') else {
            return Lookup::NotFound;
        };
        let mut search = Search {
            method,
            first_match: None,
        };
        match search.walk(&self.root, Some(rest)) {
            Some(endpoint) => Lookup::Found(endpoint),
            None => match search.first_match {
                Some(methods) => Lookup::WrongMethod(methods),
                None => Lookup::NotFound,
            },
        }
    }

    /// Every method some template is routed for.
    pub(crate) fn methods(&self) -> Vec<Method> {
        let mut methods = Vec::new();
        let mut stack = vec![&self.root];
        while let Some(node) = stack.pop() {
            for (method, _) in &node.methods {
                if !methods.contains(method) {
                    methods.push(method.clone());
                }
            }
            stack.extend(node.literals.iter().map(|(_, child)| child));
            stack.extend(node.param.as_deref());
        }
        methods
    }
}

/// One lookup: the first template in priority order with the method wins; the first that
/// matches at all answers "wrong method".
struct Search<'m, 't> {
    method: &'m Method,
    first_match: Option<&'t [(Method, usize)]>,
}

impl<'t> Search<'_, 't> {
    /// `rest` is the path after the segments consumed so far (`None` when all are).
    fn walk(&mut self, node: &'t Node, rest: Option<&str>) -> Option<usize> {
        let Some(rest) = rest else {
            // The path ends here, or one segment early for a template whose last segment is
            // a parameter, which may be empty.
            let optional_param = node.param.as_deref();
            return std::iter::once(node)
                .chain(optional_param)
                .find_map(|candidate| self.end(candidate));
        };
        let (segment, next) = match memchr::memchr(b'/', rest.as_bytes()) {
            Some(slash) => (&rest[..slash], Some(&rest[slash + 1..])),
            None => (rest, None),
        };
        if let Ok(index) = node
            .literals
            .binary_search_by(|(s, _)| by_length(s, segment))
        {
            if let Some(endpoint) = self.walk(&node.literals[index].1, next) {
                return Some(endpoint);
            }
        }
        let param = node.param.as_deref()?;
        self.walk(param, next)
    }

    fn end(&mut self, node: &'t Node) -> Option<usize> {
        if node.methods.is_empty() {
            return None;
        }
        self.first_match.get_or_insert(&node.methods);
        node.methods
            .iter()
            .find(|(method, _)| method == self.method)
            .map(|(_, endpoint)| *endpoint)
    }
}

/// The order of literal segments: shorter first, then by bytes.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(routes: &[(&'static str, Method)]) -> RouteTable {
        let mut table = RouteTable::default();
        for (index, (template, method)) in routes.iter().enumerate() {
            table.insert(template, method.clone(), index).unwrap();
        }
        table
    }

    #[test]
    fn literals_before_parameters_and_parameters_of_any_name() {
        let t = table(&[
            ("/_matrix/client/v3/rooms/{roomId}/join", Method::POST),
            ("/_matrix/client/v3/join/{roomIdOrAlias}", Method::POST),
            (
                "/_matrix/client/v3/rooms/{roomIdOrAlias}/members",
                Method::GET,
            ),
            ("/_matrix/client/v3/rooms/summary/members", Method::GET),
        ]);
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(
            t.lookup(&post, "/_matrix/client/v3/rooms/%21a%3Ab/join"),
            Lookup::Found(0)
        );
        assert_eq!(
            t.lookup(&get, "/_matrix/client/v3/rooms/x/members"),
            Lookup::Found(2)
        );
        assert_eq!(
            t.lookup(&get, "/_matrix/client/v3/rooms/summary/members"),
            Lookup::Found(3)
        );
        assert!(matches!(
            t.lookup(&get, "/_matrix/client/v3/rooms/x/join"),
            Lookup::WrongMethod([(Method::POST, 0)])
        ));
        assert_eq!(
            t.lookup(&post, "/_matrix/client/v3/rooms/x/join/"),
            Lookup::NotFound
        );
        assert_eq!(t.lookup(&post, "_matrix"), Lookup::NotFound);
        assert_eq!(t.lookup(&post, "/"), Lookup::NotFound);
    }

    #[test]
    fn final_parameter_may_be_empty_with_or_without_its_slash() {
        let t = table(&[
            ("/r/{roomId}/state/{eventType}/{stateKey}", Method::PUT),
            ("/r/{roomId}/state", Method::GET),
        ]);
        for path in [
            "/r/a/state/m.name/key",
            "/r/a/state/m.name/",
            "/r/a/state/m.name",
        ] {
            assert_eq!(t.lookup(&Method::PUT, path), Lookup::Found(0), "{path}");
        }
        assert_eq!(t.lookup(&Method::GET, "/r/a/state"), Lookup::Found(1));
        // As in `match_template`: an empty event type, then the empty final parameter.
        assert_eq!(t.lookup(&Method::PUT, "/r/a/state/"), Lookup::Found(0));
        assert_eq!(t.lookup(&Method::PUT, "/r/a/stat"), Lookup::NotFound);
    }

    #[test]
    fn the_method_decides_between_matching_templates() {
        // A literal route for GET does not hide a parameter route for PUT.
        let t = table(&[("/a/b", Method::GET), ("/a/{x}", Method::PUT)]);
        assert_eq!(t.lookup(&Method::PUT, "/a/b"), Lookup::Found(1));
        assert_eq!(t.lookup(&Method::GET, "/a/b"), Lookup::Found(0));
        assert!(matches!(
            t.lookup(&Method::DELETE, "/a/b"),
            Lookup::WrongMethod([(Method::GET, 0)])
        ));
        let mut methods = t.methods();
        methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        assert_eq!(methods, [Method::GET, Method::PUT]);
    }

    #[test]
    fn duplicates_keep_the_first_endpoint() {
        let mut t = table(&[("/a/{x}", Method::GET)]);
        assert_eq!(
            t.insert("/a/{y}", Method::GET, 7),
            Err(Duplicate { existing: 0 })
        );
        assert_eq!(t.insert("/a/{y}", Method::PUT, 7), Ok(()));
    }
}
