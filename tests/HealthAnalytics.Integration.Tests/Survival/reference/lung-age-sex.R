# Reference for LungFoldHttpTests (docs/survival.md, "Real tables"): survival::coxph with a ridge penalty on the
# committed folds of the clinical suite's lung-death task, with the two features that hold no "NA" token (age, sex):
# the product does not yet read "NA" as missing, so the spec of that test leaves ph.ecog, ph.karno, pat.karno,
# meal.cal and wt.loss out. Everything else is bench/reference/cox.R's coxph-ridge, scope "all":
#   features     age (numeric), sex as one-hot over the categories seen in the training folds ("1", "2");
#                every column standardized with the training folds' mean and population SD
#   model        coxph(Surv(time, event) ~ ridge(X, theta = 1, scale = FALSE), ties = "efron"), event = status == 2
#   harrellC     concordance(Surv(time, event) ~ lp, data = test, reverse = TRUE)$concordance on the held-out fold
# Writes lung-age-sex.csv beside this script: fold, train, test, test_events, harrellC, and the coefficients.
#
# Usage (from the repository root): Rscript tests/HealthAnalytics.Integration.Tests/Survival/reference/lung-age-sex.R
suppressPackageStartupMessages(library(survival))

THETA <- 1
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
here <- dirname(normalizePath(sub("^--file=", "", file_arg)))
root <- normalizePath(file.path(here, "..", "..", "..", ".."))
lung <- read.csv(file.path(root, "tests", "corpora", "clinical", "lung.csv"), na.strings = "NA")
folds <- read.csv(file.path(root, "tests", "corpora", "clinical", "folds", "lung-death.csv"))$fold
stopifnot(length(folds) == nrow(lung))
event <- as.integer(lung$status == 2)

rows <- list()
for (f in 0:4) {
  train <- folds != f & folds != -1
  test <- folds == f
  levels <- sort(unique(as.character(lung$sex[train])))
  X <- cbind(age = lung$age, sapply(levels, function(l) as.numeric(as.character(lung$sex) == l)))
  colnames(X) <- c("age", paste0("sex=", levels))
  mu <- colMeans(X[train, , drop = FALSE])
  sd <- sqrt(colMeans(sweep(X[train, , drop = FALSE], 2, mu)^2))
  sd[sd^2 <= 1e-12] <- 1
  Z <- sweep(sweep(X, 2, mu), 2, sd, "/")
  xk <- Z[train, , drop = FALSE]
  fit <- coxph(Surv(lung$time[train], event[train]) ~ ridge(xk, theta = THETA, scale = FALSE), ties = "efron")
  beta <- coef(fit)
  lp <- as.vector(Z[test, , drop = FALSE] %*% beta)
  held <- data.frame(time = lung$time[test], event = event[test], lp = lp)
  c_index <- concordance(Surv(time, event) ~ lp, data = held, reverse = TRUE)$concordance
  rows[[length(rows) + 1]] <- data.frame(
    fold = f, train = sum(train), test = sum(test), test_events = sum(event[test]), harrellC = sprintf("%.12f", c_index),
    coefficients = paste(sprintf("%s=%.10f", colnames(X), beta), collapse = ";"))
}

out <- do.call(rbind, rows)
write.csv(out, file.path(here, "lung-age-sex.csv"), row.names = FALSE, quote = FALSE)
print(out)
cat(sprintf("R %s, survival %s\n", paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("survival"))))
