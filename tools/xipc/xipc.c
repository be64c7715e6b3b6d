/* The xipc tool's process entry point; the tool itself is tool_main
 * (main.c), which the command-line fuzz target calls without this file. */
#include "tool.h"

int main(int argc, char **argv) { return tool_main(argc, argv); }
