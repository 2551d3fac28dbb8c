# Reference numbers for the survival tests (tests/HealthAnalytics.Training.Tests/Survival/RReferenceTests.cs),
# computed with R's `survival` package. Re-run from the repository root after changing anything here:
#   Rscript tests/HealthAnalytics.Training.Tests/Survival/reference/survival-reference.R
# Inputs: tests/corpora/clinical/{lung,veteran}.csv. Outputs: the CSV files beside this script.
suppressPackageStartupMessages(library(survival))
out <- "tests/HealthAnalytics.Training.Tests/Survival/reference"
lung <- read.csv("tests/corpora/clinical/lung.csv")
veteran <- read.csv("tests/corpora/clinical/veteran.csv")
veteran$celltype <- factor(veteran$celltype, levels = c("adeno", "large", "smallcell", "squamous"))
lung_cc <- lung[complete.cases(lung[, c("time", "status", "age", "sex", "ph.ecog", "ph.karno", "wt.loss")]), ]
rownames(lung_cc) <- NULL

fits <- list(
  list(dataset = "lung", model = "efron", data = lung_cc,
       fit = coxph(Surv(time, status) ~ age + sex + ph.ecog + ph.karno + wt.loss, data = lung_cc, ties = "efron")),
  list(dataset = "lung", model = "breslow", data = lung_cc,
       fit = coxph(Surv(time, status) ~ age + sex + ph.ecog + ph.karno + wt.loss, data = lung_cc, ties = "breslow")),
  list(dataset = "lung", model = "ridge2", data = lung_cc,
       fit = coxph(Surv(time, status) ~ ridge(age, sex, ph.ecog, ph.karno, wt.loss, theta = 2, scale = TRUE), data = lung_cc)),
  list(dataset = "veteran", model = "efron", data = veteran,
       fit = coxph(Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior, data = veteran, ties = "efron")),
  list(dataset = "veteran", model = "breslow", data = veteran,
       fit = coxph(Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior, data = veteran, ties = "breslow"))
)
horizons <- list(lung = c(60, 180, 365, 540), veteran = c(30, 90, 180, 365))

coefs <- NULL; summ <- NULL; curves <- NULL; briers <- NULL
for (f in fits) {
  fit <- f$fit
  se <- sqrt(diag(fit$var))
  coefs <- rbind(coefs, data.frame(dataset = f$dataset, model = f$model, term = seq_along(coef(fit)),
                                   coef = unname(coef(fit)), se = se))
  summ <- rbind(summ, data.frame(dataset = f$dataset, model = f$model, loglik_null = fit$loglik[1],
                                 loglik = fit$loglik[2], iter = fit$iter[1], n = fit$n, events = fit$nevent))
  times <- horizons[[f$dataset]]
  base <- summary(survfit(fit), times = times)
  curves <- rbind(curves, data.frame(dataset = f$dataset, model = f$model, row = 0, time = base$time,
                                     cumhaz = base$cumhaz, surv = base$surv))
  nd <- f$data[1:3, ]
  s3 <- summary(survfit(fit, newdata = nd), times = times)
  for (r in 1:3) {
    curves <- rbind(curves, data.frame(dataset = f$dataset, model = f$model, row = r, time = s3$time,
                                       cumhaz = s3$cumhaz[, r], surv = s3$surv[, r]))
  }
  if (f$model != "ridge2") {
    fit$call$data <- f$data
    b <- survival:::brier(fit, times = times)
    briers <- rbind(briers, data.frame(dataset = f$dataset, model = f$model, time = times, brier = unname(b$brier[, "Model"])))
  }
}
write.csv(coefs, file.path(out, "cox_coefficients.csv"), row.names = FALSE)
write.csv(summ, file.path(out, "cox_fit.csv"), row.names = FALSE)
write.csv(curves, file.path(out, "cox_survfit.csv"), row.names = FALSE)
write.csv(briers, file.path(out, "brier.csv"), row.names = FALSE)

# Concordance: a higher score means an earlier event, hence reverse = TRUE. Rows with a missing score are dropped.
conc <- NULL
add_conc <- function(dataset, predictor, y, x, ymax) {
  for (tw in c("n", "n/G2")) {
    c1 <- if (tw == "n") concordance(y ~ x, reverse = TRUE) else concordance(y ~ x, reverse = TRUE, timewt = tw, ymax = ymax)
    k <- c1$count
    conc <<- rbind(conc, data.frame(dataset = dataset, predictor = predictor, timewt = tw, ymax = ifelse(tw == "n", NA, ymax),
                                    concordant = k[["concordant"]], discordant = k[["discordant"]], tied_x = k[["tied.x"]],
                                    tied_y = k[["tied.y"]], c = unname(c1$concordance), std_err = sqrt(c1$var)))
  }
}
ok <- !is.na(lung$ph.ecog)
add_conc("lung", "ph.ecog", Surv(lung$time[ok], lung$status[ok]), lung$ph.ecog[ok], 500)
add_conc("lung", "age", Surv(lung$time, lung$status), lung$age, 500)
add_conc("lung", "lp", Surv(lung_cc$time, lung_cc$status), predict(fits[[1]]$fit, type = "lp"), 500)
add_conc("veteran", "karno", Surv(veteran$time, veteran$status), veteran$karno, 250)
add_conc("veteran", "lp", Surv(veteran$time, veteran$status), predict(fits[[4]]$fit, type = "lp"), 250)
write.csv(conc, file.path(out, "concordance.csv"), row.names = FALSE)

# Kaplan-Meier with numbers at risk and log-scale 95% intervals (R's defaults), and medians.
km <- NULL; med <- NULL
add_km <- function(dataset, group, time, status, times) {
  fit <- survfit(Surv(time, status) ~ 1)
  s <- summary(fit, times = times)
  km <<- rbind(km, data.frame(dataset = dataset, group = group, time = s$time, n_risk = s$n.risk, surv = s$surv,
                              std_err = s$std.err, lower = s$lower, upper = s$upper))
  med <<- rbind(med, data.frame(dataset = dataset, group = group, median = unname(summary(fit)$table["median"])))
}
add_km("lung", "all", lung$time, lung$status, c(30, 100, 200, 365, 500, 730))
add_km("lung", "sex=1", lung$time[lung$sex == 1], lung$status[lung$sex == 1], c(30, 100, 200, 365, 500, 730))
add_km("lung", "sex=2", lung$time[lung$sex == 2], lung$status[lung$sex == 2], c(30, 100, 200, 365, 500, 730))
add_km("veteran", "all", veteran$time, veteran$status, c(10, 30, 90, 180, 365))
add_km("veteran", "trt=2", veteran$time[veteran$trt == 2], veteran$status[veteran$trt == 2], c(10, 30, 90, 180, 365))
write.csv(km, file.path(out, "km.csv"), row.names = FALSE)
write.csv(med, file.path(out, "km_median.csv"), row.names = FALSE)

# Log-rank tests (survdiff, rho = 0) for 2, 4 (one group of a single row) and 4 groups.
sd <- NULL; sdg <- NULL
add_sd <- function(dataset, grouping, y, g) {
  t <- survdiff(y ~ g)
  sd <<- rbind(sd, data.frame(dataset = dataset, grouping = grouping, chisq = t$chisq, df = length(t$n) - 1,
                              p = pchisq(t$chisq, length(t$n) - 1, lower.tail = FALSE)))
  sdg <<- rbind(sdg, data.frame(dataset = dataset, grouping = grouping, group = sub("^g=", "", names(t$n)),
                                n = as.vector(t$n), obs = t$obs, exp = t$exp))
}
add_sd("lung", "sex", Surv(lung$time, lung$status), lung$sex)
add_sd("lung", "ph.ecog", Surv(lung$time[ok], lung$status[ok]), lung$ph.ecog[ok])
add_sd("veteran", "celltype", Surv(veteran$time, veteran$status), as.character(veteran$celltype))
write.csv(sd, file.path(out, "survdiff.csv"), row.names = FALSE)
write.csv(sdg, file.path(out, "survdiff_groups.csv"), row.names = FALSE)
cat("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival")), "\n",
    file = file.path(out, "versions.txt"))
