// `airlock`: runs `airlock exec` from a launch image when one matches and
// hands everything else to the Swift CLI (see front.h).
#define _GNU_SOURCE
#include "front.h"

#include <string.h>

/// The index of the first "--" after "exec" (the CLI reads the command
/// from there too: "--" ends its options), or 0 when the command line has
/// none or nothing after it.
static int command_start(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return i + 1 < argc ? i : 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "exec") == 0) {
        int dash = command_start(argc, argv);
        void *buffer = NULL;
        const struct claunch_image *image = dash ? front_load_image(argv, dash, &buffer) : NULL;
        // Returns only when the command did not run.
        if (image) front_launch(image, argv, dash);
    }
    front_hand_over(argv);
}
