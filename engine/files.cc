// Regular files only, opened without blocking (engine/files.h).
#include "engine/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace somas {

Status OpenRegularFile(const std::string& path, int* fd, uint64_t* size) {
  const int f = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (f < 0) {
    return Status::Error(StatusCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  Status status;
  if (fstat(f, &st) != 0) {
    status = Status::Error(StatusCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    status = Status::Error(StatusCode::kIo, path + " is a directory");
  } else if (!S_ISREG(st.st_mode)) {
    status = Status::Error(StatusCode::kIo,
                           path + " is not a regular file (a device, FIFO or socket never ends)");
  } else if (fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) != 0) {
    status = Status::Error(StatusCode::kIo, "cannot read " + path + ": " + std::strerror(errno));
  }
  if (!status.ok()) {
    close(f);
    return status;
  }
  *fd = f;
  *size = static_cast<uint64_t>(st.st_size);
  return Status();
}

Status ReadFile(const std::string& path, std::string* contents, uint64_t max_bytes) {
  int fd = -1;
  uint64_t size = 0;
  Status status = OpenRegularFile(path, &fd, &size);
  if (!status.ok()) return status;
  if (size > max_bytes) {
    close(fd);
    return Status::Error(StatusCode::kIo, path + " has " + std::to_string(size) +
                                              " bytes, more than the " + std::to_string(max_bytes) +
                                              " this file may have");
  }
  std::string buffer(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t got = read(fd, &buffer[done], buffer.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  close(fd);
  if (done != buffer.size()) {
    return Status::Error(StatusCode::kIo, "cannot read " + path + " (did it change while read?)");
  }
  *contents = std::move(buffer);
  return Status();
}

}  // namespace somas
