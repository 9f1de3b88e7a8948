# Installs buildmail-action for a Windows runner and writes `bin=<path>` to GITHUB_OUTPUT: from
# the tool cache if there; else the release asset pinned in checksums.txt, verified against its
# SHA-256; else (placeholder sums before the first release) built with cargo from this checkout.
$ErrorActionPreference = 'Stop'

$actionDir = $PSScriptRoot
$repoDir = (Resolve-Path (Join-Path $actionDir '../..')).Path
$releaseUrl = if ($env:BUILDMAIL_RELEASE_URL) { $env:BUILDMAIL_RELEASE_URL } else { 'https://github.com/buildmail/buildmail/releases/download' }
$lines = Get-Content (Join-Path $actionDir 'checksums.txt') | Where-Object { $_ -notmatch '^\s*(#|$)' }
$version = (($lines | Where-Object { $_ -match '^version ' }) -split '\s+')[1]

$target = 'x86_64-pc-windows-msvc'
$asset = "buildmail-action-$target.zip"
$expected = ($lines | Where-Object { ($_ -split '\s+')[1] -eq $asset } | ForEach-Object { ($_ -split '\s+')[0] })
$toolCache = if ($env:RUNNER_TOOL_CACHE) { $env:RUNNER_TOOL_CACHE } else { $env:RUNNER_TEMP }
$cache = Join-Path $toolCache "buildmail-action/$version/$target"
$bin = Join-Path $cache 'bin/buildmail-action.exe'

if (-not (Test-Path $bin)) {
  if ($expected -and $expected -ne ('0' * 64)) {
    $download = Join-Path ([System.IO.Path]::GetTempPath()) ([System.Guid]::NewGuid())
    New-Item -ItemType Directory -Path $download | Out-Null
    $zip = Join-Path $download $asset
    Invoke-WebRequest -Uri "$releaseUrl/v$version/$asset" -OutFile $zip
    $actual = (Get-FileHash -Algorithm SHA256 $zip).Hash.ToLowerInvariant()
    if ($actual -ne $expected) {
      Write-Output "::error title=buildmail-action install::$asset has SHA-256 $actual, not the $expected pinned in checksums.txt; refusing to run it"
      exit 1
    }
    Expand-Archive -Path $zip -DestinationPath (Join-Path $cache 'bin') -Force
    Remove-Item -Recurse -Force $download
  } else {
    Write-Output "No verified release of buildmail-action $version for $target; building it with cargo (a few minutes, cached afterwards)."
    cargo install --locked --quiet --path (Join-Path $repoDir 'crates/buildmail-action') --root $cache
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
  }
}

"bin=$bin" | Out-File -FilePath $env:GITHUB_OUTPUT -Append -Encoding utf8
