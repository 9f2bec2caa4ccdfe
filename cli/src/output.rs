//! Where results go: stdout, as aligned columns for a person or one JSON object per line for a
//! program; notes for the person (progress, "no events match") go to stderr.

use std::io::Write;

use serde_json::Value;

use crate::error::CliError;

/// The command's output.
pub struct Output {
    pub out: Box<dyn Write>,
    /// One JSON object per line instead of tables.
    pub json: bool,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Output")
            .field("json", &self.json)
            .finish_non_exhaustive()
    }
}

impl Output {
    pub fn stdout(json: bool) -> Self {
        Self {
            out: Box::new(std::io::stdout().lock()),
            json,
        }
    }

    pub fn json_line(&mut self, value: &Value) -> Result<(), CliError> {
        writeln!(self.out, "{value}")?;
        Ok(())
    }

    /// A remark for the person at the terminal, on stderr; never part of the results.
    pub fn note(&mut self, text: &str) -> Result<(), CliError> {
        self.out.flush()?;
        writeln!(std::io::stderr(), "{text}")?;
        Ok(())
    }
}

/// Columns aligned on the widest cell.
#[derive(Debug)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|title| title.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines of text, two spaces between columns, no trailing spaces.
    pub fn lines(&self) -> Vec<String> {
        let mut widths: Vec<usize> = self
            .header
            .iter()
            .map(|cell| cell.chars().count())
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|row| {
                let line: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                line.join("  ").trim_end().to_string()
            })
            .collect()
    }

    pub fn print(&self, output: &mut Output) -> Result<(), CliError> {
        for line in self.lines() {
            writeln!(output.out, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_on_the_widest_cell() {
        let mut table = Table::new(&["A", "TYPE", "N"]);
        table.row(vec!["wayke".into(), "new-order".into(), "3".into()]);
        table.row(vec!["x".into(), "t".into(), "12".into()]);
        assert_eq!(
            table.lines(),
            vec![
                "A      TYPE       N",
                "wayke  new-order  3",
                "x      t          12"
            ]
        );
    }
}
