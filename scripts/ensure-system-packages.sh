#!/usr/bin/env bash
# Installs the Debian packages the project needs when any is missing: python3, make and g++ build
# better-sqlite3 from source (its prebuilt download is unreachable offline); Orthanc with its
# DICOMweb plugin is the PACS the tests start; dicom3tools (dciodvfy) and DCMTK validate every
# DICOM object the product writes; R with pROC, glmnet, rms and psych computes the reference values
# the statistics tests compare with; Chromium renders the HTML reports in the report test. Used by
# .ci/run and before `npm test`.
set -euo pipefail
packages=(python3 make g++ orthanc orthanc-dicomweb dicom3tools dcmtk chromium
  r-base-core r-cran-jsonlite r-cran-proc r-cran-glmnet r-cran-rms r-cran-psych r-cran-e1071 r-cran-class)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}); tests that need them are skipped." >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The orthanc package would start a system service; the tests run their own instances.
[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; }
apt-get install -y -q --no-install-recommends "${missing[@]}"
