/* Runs a command and writes its wall time, CPU time and peak RSS to the file OUT, for
 * compare.py: "WALL_S CPU_S MAXRSS_KIB EXIT". Usage: rusage OUT COMMAND [ARG...]. A small launcher of its own, because a child forked from
 * Python inherits Python's peak RSS (Linux keeps the high-water mark across fork and exec). */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct timespec start, end;
  struct rusage usage;
  int status;
  if (argc < 3) return 2;
  FILE *out = fopen(argv[1], "w");
  if (!out) return 2;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) return 2;
  clock_gettime(CLOCK_MONOTONIC, &end);
  fprintf(out, "%.6f %.6f %ld %d\n",
          (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9,
          usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
              (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
          usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return fclose(out) == 0 ? 0 : 2;
}
