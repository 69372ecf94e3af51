// Prints the file handle of PATH as name_to_handle_at(2) gives it: "TYPE HEX"
// (tests/integration/test_default_profile.sh bakes it into its escape probe).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: file_handle PATH\n");
    return 2;
  }
  struct file_handle* h = malloc(sizeof *h + MAX_HANDLE_SZ);
  h->handle_bytes = MAX_HANDLE_SZ;
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, argv[1], h, &mount_id, 0) < 0) {
    perror(argv[1]);
    return 1;
  }
  printf("%d ", h->handle_type);
  for (unsigned i = 0; i < h->handle_bytes; ++i) printf("%02x", h->f_handle[i]);
  printf("\n");
  return 0;
}
