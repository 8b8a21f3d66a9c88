"""Scripts for page.evaluate() that fill localStorage until the browser
refuses a write, and empty it again: how the tests meet a full quota, the
case where the cross-tab lease lock cannot be written."""

# Halves the size of each write until even one character is refused, so the
# quota ends truly full; returns the refusal's name (QuotaExceededError).
FILL_STORAGE = """() => {
  let size = 1 << 20;
  for (let i = 0; ; i += 1) {
    try {
      localStorage.setItem(`filler:${i}`, 'x'.repeat(size));
    } catch (error) {
      if (size === 1) return error.name;
      size = Math.max(1, Math.floor(size / 2));
    }
  }
}"""

EMPTY_STORAGE = """() => {
  for (const key of Object.keys(localStorage))
    if (key.startsWith('filler:')) localStorage.removeItem(key);
}"""
