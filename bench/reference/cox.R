# Survival references on the committed folds: survival::coxph per fold on the product's featurization
# (the design matrices survival_design.py writes), scored on the held-out fold.
#
# Per task and fold f (train = the other folds):
#   coxph        coxph(Surv(time, event) ~ X, ties = "efron"), unpenalized, on the columns of X that a pivoted
#                QR finds linearly independent (the full one-hot set of a category is collinear); a dropped
#                column's coefficient is 0.
#   coxph-ridge  coxph(Surv(time, event) ~ ridge(X, theta = THETA, scale = FALSE), ties = "efron"):
#                maximizes log partial likelihood - THETA/2 * sum(beta^2) (every column penalized).
#   lp           X_test %*% beta (not centered; centering changes no metric below).
#   harrellC     concordance(Surv(time, event) ~ lp, data = test, reverse = TRUE)$concordance
#   unoC         concordance(Surv(time, event) ~ lp, data = test, reverse = TRUE, timewt = "n/G2",
#                            ymax = tau)$concordance, tau = the task's last horizon
#   brier, ibs   IPCW Brier score at each horizon and its integral over [0, tau] divided by tau, with the
#                Breslow baseline hazard of the training fold and the censoring distribution G of the
#                held-out fold (definitions in README.md; both concordances are also recomputed here
#                pair by pair from those definitions and must agree with survival's to 1e-9).
# Writes results/{task}.json and results/{task}.{model}.csv (row, fold, time, event, lp, S at each horizon).
#
# Usage: [REFERENCE_STANDARDIZE=all|values] Rscript bench/reference/cox.R [task-id ...]   (after survival_design.py)
suppressPackageStartupMessages({ library(survival); library(jsonlite) })

THETA <- 1
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
here <- dirname(normalizePath(sub("^--file=", "", file_arg)))
root <- normalizePath(file.path(here, "..", ".."))
manifest <- fromJSON(file.path(root, "tests", "corpora", "clinical", "suite.json"), simplifyVector = FALSE)
scope <- Sys.getenv("REFERENCE_STANDARDIZE", "all")  # which design matrices (see featurize.py)
work <- file.path(here, ".work", scope)
results <- if (scope == "all") file.path(here, "results") else file.path(here, "results", paste0(scope, "-scope"))
dir.create(results, showWarnings = FALSE, recursive = TRUE)
wanted <- commandArgs(trailingOnly = TRUE)

# Censoring survival G at the held-out fold's times, with deaths before censorings at a tied time (a death
# at t leaves the censoring risk set before the censorings at t): r(s) = #{T > s} + #{censored at s}.
# This is the G of survival's concordance (timewt = "n/G2") and the one the Brier score uses here.
censoring_km <- function(time, event) {
  s <- sort(unique(time))
  c <- vapply(s, function(u) sum(time == u & event == 0), 0)
  r <- vapply(s, function(u) sum(time > u) + sum(time == u & event == 0), 0)
  list(s = s, G = cumprod(ifelse(r > 0, 1 - c / r, 1)))
}
G_at <- function(G, u) { k <- findInterval(u, G$s); ifelse(k == 0, 1, G$G[pmax(k, 1)]) }                      # G(u)
G_before <- function(G, u) { k <- findInterval(u, G$s, left.open = TRUE); ifelse(k == 0, 1, G$G[pmax(k, 1)]) } # G(u-)

# Pair by pair: i had the event (at or before tau for Uno), j was still at risk after t_i (a j censored
# at t_i counts: censoring is taken to follow the death); lp_i > lp_j concordant, equal lp counts 1/2.
explicit_c <- function(time, event, lp, weight) {
  num <- 0; den <- 0
  for (i in which(event == 1 & weight > 0)) {
    j <- time > time[i] | (time == time[i] & event == 0)
    num <- num + weight[i] * (sum(lp[i] > lp[j]) + 0.5 * sum(lp[i] == lp[j]))
    den <- den + weight[i] * sum(j)
  }
  num / den
}

# Breslow cumulative baseline hazard of the training fold at its event times, for lp uncentered.
breslow <- function(time, event, lp) {
  s <- sort(unique(time[event == 1]))
  r <- exp(lp)
  dH <- vapply(s, function(u) sum(time == u & event == 1) / sum(r[time >= u]), 0)
  list(s = s, H = cumsum(dH))
}
H_at <- function(B, u) { k <- findInterval(u, B$s); ifelse(k == 0, 0, B$H[pmax(k, 1)]) }

# IPCW Brier score at u on the held-out rows: mean over all rows of
#   S_i(u)^2 / G(t_i-)      if t_i <= u and the event happened,
#   (1 - S_i(u))^2 / G(u)   if t_i > u,
#   0                       if censored at or before u.
brier_at <- function(u, time, event, lp, B, G) {
  S <- exp(-H_at(B, u) * exp(lp))
  dead <- time <= u & event == 1
  alive <- time > u
  w_dead <- ifelse(dead, 1 / G_before(G, time), 0)
  sum(ifelse(dead, S^2 * w_dead, 0) + ifelse(alive, (1 - S)^2 / G_at(G, u), 0)) / length(time)
}

# The Brier score is a step function of u (it changes only at held-out times and training event times),
# so its integral over [0, tau] is a finite sum over those points.
ibs <- function(tau, time, event, lp, B, G) {
  grid <- sort(unique(c(0, time[time <= tau], B$s[B$s <= tau])))
  ends <- c(grid[-1], tau)
  bs <- vapply(grid, function(u) brier_at(u, time, event, lp, B, G), 0)
  sum(bs * (ends - grid)) / tau
}

fit_fold <- function(train, penalized) {
  x <- as.matrix(train[, grep("^x[0-9]+$", names(train)), drop = FALSE])
  keep <- seq_len(ncol(x))
  if (!penalized) {
    # The full one-hot set of a category (and its standardized copy) is collinear; coxph's own check misses
    # it when rounding leaves the columns a hair apart, and then does not converge. Keep the columns a
    # pivoted QR of the centered matrix finds independent (the first of a dependent set, in column order
    # where possible); the others get coefficient 0. The fitted lp does not depend on which are kept.
    q <- qr(scale(x, scale = FALSE), tol = 1e-9)
    keep <- sort(q$pivot[seq_len(q$rank)])
  }
  xk <- x[, keep, drop = FALSE]
  warnings <- character()
  fit <- withCallingHandlers(
    if (penalized) coxph(Surv(train$time, train$event) ~ ridge(xk, theta = THETA, scale = FALSE), ties = "efron")
    else coxph(Surv(train$time, train$event) ~ xk, ties = "efron"),
    warning = function(w) { warnings <<- c(warnings, conditionMessage(w)); invokeRestart("muffleWarning") })
  beta <- rep(0, ncol(x))
  b <- unname(coef(fit))
  beta[keep] <- ifelse(is.na(b), 0, b)
  list(beta = beta, dropped = ncol(x) - length(keep) + sum(is.na(b)), iter = fit$iter,
       loglik = fit$loglik[length(fit$loglik)], warnings = warnings)
}

run_task <- function(task) {
  horizons <- unlist(task$outcome$horizons)
  tau <- max(horizons)
  k <- manifest$folds$k
  out <- list(task = task$id, table = task$table, kind = "survival", timeUnit = task$outcome$timeUnit,
              horizons = horizons, tau = tau, models = list())
  for (model in c("coxph", "coxph-ridge")) {
    per_fold <- list(); rows <- list()
    for (f in 0:(k - 1)) {
      train <- read.csv(file.path(work, task$id, sprintf("fold%d.train.csv", f)))
      test <- read.csv(file.path(work, task$id, sprintf("fold%d.test.csv", f)))
      fit <- fit_fold(train, model == "coxph-ridge")
      columns <- readLines(file.path(work, task$id, sprintf("fold%d.columns.txt", f)))
      xcols <- grep("^x[0-9]+$", names(train))
      lp_train <- drop(as.matrix(train[, xcols, drop = FALSE]) %*% fit$beta)
      lp <- drop(as.matrix(test[, xcols, drop = FALSE]) %*% fit$beta)
      test$lp <- lp
      harrell <- concordance(Surv(time, event) ~ lp, data = test, reverse = TRUE)
      uno <- concordance(Surv(time, event) ~ lp, data = test, reverse = TRUE, timewt = "n/G2", ymax = tau)
      G <- censoring_km(test$time, test$event)
      h_explicit <- explicit_c(test$time, test$event, lp, rep(1, nrow(test)))
      u_explicit <- explicit_c(test$time, test$event, lp, ifelse(test$time <= tau, 1 / G_before(G, test$time)^2, 0))
      stopifnot(abs(h_explicit - harrell$concordance) < 1e-9, abs(u_explicit - uno$concordance) < 1e-9)
      B <- breslow(train$time, train$event, lp_train)
      bs <- vapply(horizons, function(u) brier_at(u, test$time, test$event, lp, B, G), 0)
      names(bs) <- as.character(horizons)
      cnt <- harrell$count
      per_fold[[f + 1]] <- list(
        fold = f, train = nrow(train), test = nrow(test), events = sum(test$event), columns = length(xcols),
        harrellC = unname(harrell$concordance), unoC = unname(uno$concordance),
        brier = as.list(bs), ibs = ibs(tau, test$time, test$event, lp, B, G),
        pairs = list(concordant = unname(cnt["concordant"]), discordant = unname(cnt["discordant"]),
                     tiedLp = unname(cnt["tied.x"]), tiedTime = unname(cnt["tied.y"]), tiedBoth = unname(cnt["tied.xy"])),
        iterations = fit$iter, droppedColumns = fit$dropped, warnings = fit$warnings,
        loglik = fit$loglik, coefficients = as.list(setNames(fit$beta, columns)))
      surv <- sapply(horizons, function(u) exp(-H_at(B, u) * exp(lp)))
      surv <- matrix(surv, nrow = nrow(test))
      colnames(surv) <- paste0("S_", horizons)
      rows[[f + 1]] <- data.frame(row = test$row, fold = f, time = test$time, event = test$event, lp = lp, surv,
                                  check.names = FALSE)
    }
    metric <- function(get) sapply(per_fold, get)
    means <- list(harrellC = mean(metric(function(r) r$harrellC)), unoC = mean(metric(function(r) r$unoC)),
                  ibs = mean(metric(function(r) r$ibs)))
    for (h in as.character(horizons)) means[[paste0("brier@", h)]] <- mean(metric(function(r) r$brier[[h]]))
    sds <- lapply(list(harrellC = "harrellC", unoC = "unoC", ibs = "ibs"), function(m) sd(metric(function(r) r[[m]])))
    out$models[[model]] <- list(
      params = if (model == "coxph") list(ties = "efron", penalty = 0) else list(ties = "efron", ridgeTheta = THETA, scale = FALSE),
      folds = per_fold, mean = means, sd = sds)
    all <- do.call(rbind, rows)
    all <- all[order(all$row), ]
    for (col in names(all)[-(1:4)]) all[[col]] <- sprintf("%.17g", all[[col]])
    write.csv(all, file.path(results, sprintf("%s.%s.csv", task$id, model)), row.names = FALSE, quote = FALSE)
  }
  out$standardization <- scope
  out$software <- list(R = format(getRversion()), survival = format(packageVersion("survival")))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = 1), file.path(results, paste0(task$id, ".json")))
  out
}

for (task in manifest$tasks) {
  if (task$kind != "survival" || (length(wanted) > 0 && !(task$id %in% wanted))) next
  out <- run_task(task)
  m <- out$models
  cat(sprintf("%-22s coxph C=%.4f Uno=%.4f IBS=%.4f | ridge C=%.4f Uno=%.4f IBS=%.4f | dropped %s\n", task$id,
              m$coxph$mean$harrellC, m$coxph$mean$unoC, m$coxph$mean$ibs,
              m$`coxph-ridge`$mean$harrellC, m$`coxph-ridge`$mean$unoC, m$`coxph-ridge`$mean$ibs,
              paste(sapply(m$coxph$folds, function(r) r$droppedColumns), collapse = "/")))
  flush.console()
}
