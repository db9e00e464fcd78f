#include "amaima/cli/cli.h"

int main(int argc, char** argv) {
  return amaima::cli::RunCli(argc, argv);
}
