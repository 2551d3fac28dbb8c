# Exports the clinical tables that this suite adds to the seven corpus tables (lung, veteran, mgus2,
# nafld1, diabetic, udca1, cgd0, which are copied unchanged from the shared corpus).
# Run from this folder:  Rscript export.R
# Needs Debian's r-base-core r-cran-survival r-cran-mass r-cran-mlbench r-cran-rpart r-cran-th.data.
# write.csv with row.names = FALSE keeps R's own conventions on purpose: missing values are the token
# NA, strings are quoted, factors are written as their labels. biopsy alone is written with na = "?",
# the convention of the UCI repository and of ARFF files, so that the suite has one table of that kind.
suppressPackageStartupMessages({
  library(survival); library(MASS); library(mlbench); library(rpart); library(TH.data)
})
data(PimaIndiansDiabetes, package = "mlbench")
data(GlaucomaM, package = "TH.data")
data(bodyfat, package = "TH.data")
data(GBSG2, package = "TH.data")
data(infert, package = "datasets")

out <- function(x, file, ...) write.csv(x, file, row.names = FALSE, ...)
out(PimaIndiansDiabetes, "pima.csv")            # zeros mean "not measured" for 5 lab/exam columns
out(MASS::Pima.tr2, "pima_tr2.csv")              # same study, another sample; NA where not measured
out(MASS::biopsy, "biopsy.csv", na = "?")        # the one table with the UCI/ARFF missing token
out(MASS::birthwt, "birthwt.csv")
out(rpart::kyphosis, "kyphosis.csv")
out(GlaucomaM, "glaucoma.csv")
out(infert, "infert.csv")
out(bodyfat, "bodyfat.csv")
out(survival::pbc, "pbc.csv")
out(MASS::Melanoma, "melanoma.csv")
out(GBSG2, "gbsg2.csv")

# The seven corpus tables, re-exported to check that the copies here are what survival ships.
for (nm in c("lung", "veteran", "mgus2", "nafld1", "diabetic", "udca1", "cgd0")) {
  f <- tempfile(fileext = ".csv")
  write.csv(get(nm, envir = asNamespace("survival")), f, row.names = FALSE)
  same <- identical(readLines(f), readLines(paste0(nm, ".csv")))
  cat(sprintf("%-9s re-export identical to the corpus copy: %s\n", nm, same))
}
cat("versions:", paste(sapply(c("survival", "MASS", "mlbench", "rpart", "TH.data"),
  function(p) paste(p, format(packageVersion(p)))), collapse = ", "), "| R", format(getRversion()), "\n")
