//! Detection-quality figures, computed as `../shared/eval/score.py` does: ROC-AUC from the
//! 0–100 score (ties count half), and precision, recall, F1 and false-positive rate at an
//! operating point.

/// ROC-AUC by the rank-sum formula with average ranks for ties.
pub fn roc_auc(scored: &[(f64, bool)]) -> Option<f64> {
    let positives = scored.iter().filter(|(_, y)| *y).count();
    let negatives = scored.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let average_rank = (i + j + 1) as f64 / 2.0;
        rank_sum += average_rank * sorted[i..j].iter().filter(|(_, y)| *y).count() as f64;
        i = j;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Confusion counts at one operating point.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn of(flags: impl Iterator<Item = (bool, bool)>) -> Counts {
        let mut c = Counts::default();
        for (flagged, scam) in flags {
            match (flagged, scam) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    pub fn fpr(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half() {
        assert_eq!(roc_auc(&[(1.0, true), (0.0, false)]), Some(1.0));
        assert_eq!(roc_auc(&[(0.0, true), (1.0, false)]), Some(0.0));
        assert_eq!(roc_auc(&[(5.0, true), (5.0, false)]), Some(0.5));
        assert_eq!(roc_auc(&[(5.0, true)]), None);
    }

    #[test]
    fn rates_at_an_operating_point() {
        let c = Counts::of([(true, true), (true, false), (false, false), (false, false), (false, true)].into_iter());
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (1, 1, 2, 1));
        assert!((c.fpr() - 1.0 / 3.0).abs() < 1e-12 && (c.recall() - 0.5).abs() < 1e-12);
    }
}
