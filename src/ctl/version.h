/* The one version string of oakleyd and oakleyctl.  A packager may pass
 * its own (-DOAKLEY_VERSION='"0.9.0-1"'); without it the build is the same
 * with or without git. */
#ifndef OAKLEY_CTL_VERSION_H
#define OAKLEY_CTL_VERSION_H

#ifndef OAKLEY_VERSION
#define OAKLEY_VERSION "0.9.0"
#endif

#endif
