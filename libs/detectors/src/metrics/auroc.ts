/**
 * Area under the ROC curve from the Mann–Whitney U statistic, with tied scores given average
 * ranks (so it equals sklearn.metrics.roc_auc_score). Positives are the anomalies: higher is better.
 */
export function auroc(negatives: ArrayLike<number>, positives: ArrayLike<number>): number {
  const nNeg = negatives.length;
  const nPos = positives.length;
  if (nNeg === 0 || nPos === 0) throw new Error('auroc: need at least one negative and one positive');
  const all: Array<[number, boolean]> = [];
  for (let i = 0; i < nNeg; i++) all.push([negatives[i], false]);
  for (let i = 0; i < nPos; i++) all.push([positives[i], true]);
  all.sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const averageRank = (i + 1 + j) / 2; // ranks i+1 … j
    for (let t = i; t < j; t++) if (all[t][1]) rankSumPos += averageRank;
    i = j;
  }
  const u = rankSumPos - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}
