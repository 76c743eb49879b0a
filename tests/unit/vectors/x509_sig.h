/* Made by tests/unit/vectors/mk_x509_sig.sh with openssl alone; see there. */
static const char kat_rsa_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDppsXaCtvOq6lT\n"
	"LoRU9vSKNlZJ93f1014D3dxiHwNoKmPNIn6mR6PMyJKbtZsORnLudz+sThWWyBKT\n"
	"BcSHlR8m41btNbmXrfnO9Lx+sOoKUzebWdjAiBNcGyXsmGYQW8BiuyBDLlylAU2Q\n"
	"iEIXbXmX7U2aNH4lRHEdMe1+R3y3uXqEVw2OWu7AVbVIla6i5ptRf+5r84MgIMfJ\n"
	"FFqGdtn1s1QlOeyBBBCISg1B70jt42k68Snz9BPkpbeAPVth5HhsAKfUemDzESF6\n"
	"ruSzG5stUXr9lw5gh2IZsHYhVfnbU2jF1zOLbF4xNNkJYtOH4l5066oMmB5BT7f2\n"
	"8gZNlnu7AgMBAAECggEAR0WG/q7nQ9CbMvNyjFRUXcCba66gGg1ilT1c11VsfZ7I\n"
	"mK9YALLDpVjdV7/6z0zwDAu2EYI0Fa1r9QsCWvVC7mLUhkEoHruEAvwmb2LZ0VJ3\n"
	"GN08P+aCOUtSsyv9ninOso8wFS4UNoUCOv9FYc4UFCLf1BUFEash8ezj6+w0f/nv\n"
	"w+WoaorsLPlfhsZDIg2AExu9tMCDRpbBkj34k2QUA7ldzT743NPNvDb4hed3ZGbJ\n"
	"8iS0vfXSS4nGkXubNlgzO+fZCS+MGUqBEEQ137su0zb5fYDTbW7VuOJh5J7eV2xM\n"
	"/6wpyYQaDytj1t6Pg7f6SXiJB9ki9vmR1QvJQLOuYQKBgQD6p/6C7ZULHFk3vNYB\n"
	"ckRHC6Y/6qHDpBa8L9JEg/BXy8uH5MoG6UckD8MKly6SXVW/rtPAmMzXPBxXrnLF\n"
	"y5kJnN9WBs7118Q7eN2a4NtsMrshG8JMVohkPSNrG8+RMBBrOQs9NxpBEHHz4e+9\n"
	"q7VhIFKpt4cD5so2vo3dwskYEQKBgQDuofjGqKt5e2xkwIYkM+Q2lNAhhSvKlfhy\n"
	"uTbiHcSIzLNDCv0eDk+RbzVjzOFZ6qpKocLWfbV0WJOXiLgsbUJ8rSfJhieeKlBW\n"
	"s2Q7kbjErFIwlxr8U9s5IVRQ/gLXyy2gARVy2ArRFXlDCunG70ABjPVF8IOJol4n\n"
	"toHdKUZDCwKBgEEYd+SQxvBHwHPVOs7NWiYJRHe8+53Pc4gT80uP6E8kwgrcxArf\n"
	"cnZPEZwifxnL24UYZi3SgQA0wDeVOoFbyrbQYr/4rK70BiZb0VFzrAiBdE+44dDp\n"
	"eCpwJk6evl06Wkk+W0jekpbrKmzn9FcRzN0Yg99HpmzA9ysYecdp2sfBAoGADuZW\n"
	"HjFR45ftQK00svX6fd300OL7xP5wMNmXr66kItaFKt54x3OlTDNhZgXY3EBmuZo4\n"
	"DCR1O/p73K5QsZVw3VACd/bEan/B3Gf/DikfHEiWKSqGKNMjkQGfvh7eFpM9Ggx3\n"
	"RmBu7HcmxyTbS+yMVoxylBdcXy+gKWKf4Ss+k9kCgYEAucahUAI0vJMR5ARMFcDB\n"
	"vk1/C1eXNF8KNuA8wBf3r/gDNaJE8C9TZXj+srDvnkIxnga0BNGRenAvcrQSqqDL\n"
	"bgHqoOMDGv090XLJFf87ettJD33C0Kjq1PHgHIbmywiyAINK6SG4q/LtpvNOcXC0\n"
	"mRptP4qbvMINMun+AB+8PiM=\n"
	"-----END PRIVATE KEY-----\n"
;
static const char kat_rsa_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6abF2grbzqupUy6EVPb0\n"
	"ijZWSfd39dNeA93cYh8DaCpjzSJ+pkejzMiSm7WbDkZy7nc/rE4VlsgSkwXEh5Uf\n"
	"JuNW7TW5l635zvS8frDqClM3m1nYwIgTXBsl7JhmEFvAYrsgQy5cpQFNkIhCF215\n"
	"l+1NmjR+JURxHTHtfkd8t7l6hFcNjlruwFW1SJWuouabUX/ua/ODICDHyRRahnbZ\n"
	"9bNUJTnsgQQQiEoNQe9I7eNpOvEp8/QT5KW3gD1bYeR4bACn1Hpg8xEheq7ksxub\n"
	"LVF6/ZcOYIdiGbB2IVX521Noxdczi2xeMTTZCWLTh+JedOuqDJgeQU+39vIGTZZ7\n"
	"uwIDAQAB\n"
	"-----END PUBLIC KEY-----\n"
;
static const char kat_h256[] = "\x51\x88\xe3\x9b\x2f\x5f\x59\x9f\xa8\xe1\x1b\x9c\x61\xe2\xb4\x61\x3c\xfc\xdd\xf2\xdb\x8c\x5a\x58\x35\x6d\xce\xc9\x31\x25\x50\xca";
static const char kat_h384[] = "\x48\x51\x12\x13\xd7\xed\xa6\xb7\xee\x6c\xd5\xb6\x42\x7a\x9b\xea\x14\xa1\x74\x2d\xf0\x18\xfc\x92\xdd\x78\x79\x6f\x08\x8f\x82\xbe\x7c\xbc\x45\x3a\x10\xb2\x98\x0f\x24\xd8\xf5\x8e\x8a\x36\x7b\x2f";
static const char kat_h512[] = "\x8d\x44\x0f\x9c\xd3\x93\x9d\x89\xc6\x82\x76\xa2\xf7\x99\x92\x75\x06\xa4\xa7\xd2\x52\x79\x3c\x0c\xc8\xab\xe4\xd5\x42\x01\xaa\x71\xc4\x3e\x09\x0e\x38\x1d\x07\x47\x46\x20\x3f\x90\xb6\x2c\xd2\x32\xc8\xd8\x5b\xcf\x02\x1b\xe3\xfc\xb5\xb8\xd0\x32\x5a\x23\x7c\x47";
static const char kat_rsa_sig[] = "\x51\x8f\xf0\x24\x87\xfb\x46\x7e\x94\x41\x05\x7b\x77\x29\xca\xf0\xe9\x9e\x79\x55\x56\x0d\xe4\x7a\xdb\xda\x08\x40\x01\xaa\x31\x04\xaf\x86\xfd\x3a\x35\xce\xf5\xa4\x02\x65\x67\x7f\x8e\xf3\xc1\xc0\x3e\x02\x34\x9f\xe4\x02\xbb\x9a\xe6\x58\xf5\xbf\xf8\x44\x82\xd9\x6f\x83\x8a\xbb\xc3\x0f\x63\x72\xf3\x26\x0d\xaf\x71\x63\xf1\x80\x63\xfd\x0f\x64\xf8\x82\x90\xc9\x0e\xad\xa2\x43\xbf\x2e\xd1\x93\xb6\x08\xa8\x4e\x3d\x41\xa5\x38\x55\x71\x0a\x57\x32\xfd\x6e\x3f\x92\xe8\xca\xf0\xd7\x94\xfb\xcf\xbc\x79\xfd\x48\x79\xa3\xc1\x42\x93\x5f\x43\xc7\x52\xa1\x53\x58\x3b\x90\x4e\x3d\xce\x74\xc6\xfd\x2a\xd6\x0a\xee\x16\x67\x8d\xc0\xca\x35\xe7\x6f\x9a\xdb\x36\xc4\x65\x8a\x28\x42\xa4\x3d\x91\xfd\x2d\xbe\x32\xe5\x40\x74\x21\xe8\x43\xf8\x32\xa5\xeb\xfb\xf5\x09\xc0\x5f\x9a\x05\x69\xaf\x57\x09\xaa\x23\x38\xc0\x1f\x90\x78\x56\x30\x5c\x74\x77\x69\x42\xe9\xe1\xda\x3f\x9d\xca\xe5\xcd\xaf\x2c\x7b\xa0\xca\x71\xe8\x98\x8e\x23\xf2\xfc\x4c\xc7\x6c\x27\x97\x0f\xfe\x48\x47\x6f\x64\xe2\x9b\xa3\xd7\xcf\xe1\xe1\xca\x5d\xb3\xda\xaa\x97\x34\x90\x79\xb0\xdc\xae";
static const char kat_ec256_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8vo3RJvubv2pxgTc\n"
	"lJb9V5C86gLuQZFpJCijX53qKkGhRANCAAROeR68pzkOQ3D6NZlPKVTs32YqNXZF\n"
	"0iIxfXwCKJOQan7Ke8cJr1kCswusp5gtUFLL31T9K5rsw59BM+jjsCnB\n"
	"-----END PRIVATE KEY-----\n"
;
static const char kat_ec256_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETnkevKc5DkNw+jWZTylU7N9mKjV2\n"
	"RdIiMX18AiiTkGp+ynvHCa9ZArMLrKeYLVBSy99U/Sua7MOfQTPo47ApwQ==\n"
	"-----END PUBLIC KEY-----\n"
;
static const char kat_ec256_sig[] = "\xd2\x63\x34\xfb\x3a\xf6\xaf\xd2\xe2\xce\x90\x0d\x92\xd7\x76\x11\xf6\xca\xb3\x2c\x5c\xba\x14\x0c\x24\x58\xd5\x24\x14\x2e\xf4\x57\x44\x9f\x23\x0d\x50\x6f\xfa\x0c\x38\x6b\x89\x0d\x88\x3a\x84\x1d\x46\x3f\x88\xcc\xf7\x15\xbd\xb0\xa2\x0c\x58\x38\xe9\x70\xaf\xee";
static const char kat_ec384_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDE2Rq/0OZKABLBcQGL\n"
	"cLE8YkudoDLO4NSPooeqP+6S/Cb8OSUOWxKdm5H0vUCABJWhZANiAARgFlbEKYI/\n"
	"teCowf+yS4HcYZyY210+/ymTi+5gT2kMMeKY+kL6hmc8aRsmWe821yEsjtFHkzVK\n"
	"KOkT2QmHLzrVALdbem9//kJFYZOOeXSO+G0QWDsqe2R7vayvrXcrHA4=\n"
	"-----END PRIVATE KEY-----\n"
;
static const char kat_ec384_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEYBZWxCmCP7XgqMH/skuB3GGcmNtdPv8p\n"
	"k4vuYE9pDDHimPpC+oZnPGkbJlnvNtchLI7RR5M1SijpE9kJhy861QC3W3pvf/5C\n"
	"RWGTjnl0jvhtEFg7Kntke72sr613KxwO\n"
	"-----END PUBLIC KEY-----\n"
;
static const char kat_ec384_sig[] = "\x57\xe0\x68\xf8\x50\xb3\x41\xc2\xd9\x2f\xbe\xd9\xf3\x47\x54\xeb\x4f\x23\x6b\x5e\x7b\x6a\x54\xd7\xf5\x0d\xbf\xb7\xec\x10\xe6\xcf\xe8\x82\xe8\xaa\x6f\xa3\xcb\x03\x3f\xe6\xde\xaf\xdc\xfb\x73\x93\x15\xaf\xae\x07\x82\x28\x43\x2a\x34\x2e\xf1\xfb\xac\xfc\x24\x12\x8b\x6e\x6a\xff\x36\x63\xaa\x55\xa8\x6e\x7e\x04\xa9\xe4\x0c\x4e\x96\x98\x6d\x49\x20\xaf\x91\xb4\x31\x09\x34\x37\xae\x31\xc9\xd1";
static const char kat_ec521_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIAkbsoiyx91LzNZxfQ\n"
	"iKYrwhbTeSSpW1DQ0fl+OJ24Cuz+/WVh5Yb3MbazrnapNLbnEhcb2S8fUCYXRgJq\n"
	"JsUcFguhgYkDgYYABABtB2uKY0kfOViiYzBwCitzG3aHs6OnlkFWTuMXMClEVxiP\n"
	"h1lZA6yEQoBapanr1wi9Mg18Aq290v6IbL2frsUsOgE1hInVrnfeL5lVs0+miPHL\n"
	"/Gnf/H6coufTNuBlofrzPj48HcdEN6le3+Vd8JbRIzTIILxaM+5ekIu0ZLKPM0tN\n"
	"Hw==\n"
	"-----END PRIVATE KEY-----\n"
;
static const char kat_ec521_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAbQdrimNJHzlYomMwcAorcxt2h7Oj\n"
	"p5ZBVk7jFzApRFcYj4dZWQOshEKAWqWp69cIvTINfAKtvdL+iGy9n67FLDoBNYSJ\n"
	"1a533i+ZVbNPpojxy/xp3/x+nKLn0zbgZaH68z4+PB3HRDepXt/lXfCW0SM0yCC8\n"
	"WjPuXpCLtGSyjzNLTR8=\n"
	"-----END PUBLIC KEY-----\n"
;
static const char kat_ec521_sig[] = "\x00\x12\x54\x07\x90\x61\xcc\xd2\x9c\xda\x56\x16\x41\xca\xe8\x00\xd0\x2c\xd4\xb4\x1b\xd9\x36\xaa\x45\x74\x19\x2b\xa3\x54\x0c\x5e\xd1\x7b\x50\xee\x16\xb6\x92\x73\x52\x7c\xb2\xcb\x22\x38\x74\x3e\x7c\x3d\x3a\x34\x78\x73\x2e\xb1\xbc\xbd\x05\xc6\xe8\x17\xcd\x58\xff\xdd\x01\xae\xfd\x6c\x7c\x19\xad\x24\x1a\x31\x0a\xf8\x9e\xcd\x26\x34\x77\x3d\x6e\x39\xe2\x4a\x16\x93\x0f\xb1\x5e\x8b\x2d\xd3\x03\xe3\x21\xfc\x60\xc1\xdd\x3c\x4d\xca\x4d\x3b\xf0\x20\x93\xe0\xb2\x1c\xee\xa6\x0e\x93\x0e\xc5\xce\xc3\xee\x5e\x40\xe4\xa0\xbd\x9b\x61\x3a\xd9";
