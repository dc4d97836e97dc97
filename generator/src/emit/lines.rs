//! Tokens as text broken into lines: a newline after every `;` and every `{…}` group, so
//! that no line of the build script's output is long. (rustdoc renders a source file of a
//! few multi-megabyte lines more than ten times slower than the same code in lines.)

use std::fmt::Write;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// `tokens` as valid Rust text with line breaks.
pub fn to_lines(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_tokens(tokens, &mut out);
    out
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Brace => ("{\n", "}\n"),
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(group.stream(), out);
                out.push_str(close);
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                match (punct.as_char(), punct.spacing()) {
                    (';', _) => out.push('\n'),
                    (_, Spacing::Alone) => out.push(' '),
                    (_, Spacing::Joint) => {}
                }
            }
            TokenTree::Ident(ident) => {
                let _ = write!(out, "{ident} ");
            }
            TokenTree::Literal(literal) => {
                let _ = write!(out, "{literal} ");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn lines_are_the_same_tokens() {
        let tokens = quote! {
            pub mod a { pub fn f(x: &str) -> u8 { let y = 'a'; if x == "}; {" { 1 } else { 2 } } }
            impl<'a> X<'a> for Y { fn g() -> Vec<Vec<u8>> { vec![] } }
        };
        let text = super::to_lines(tokens.clone());
        assert!(text.lines().count() > 3, "{text}");
        let reparsed: proc_macro2::TokenStream = text.parse().unwrap();
        assert_eq!(reparsed.to_string(), tokens.to_string());
    }
}
