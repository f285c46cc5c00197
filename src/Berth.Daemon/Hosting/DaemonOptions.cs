using Microsoft.Extensions.Logging;

namespace Berth.Daemon.Hosting;

/// <summary>berthd's command-line settings (dockerd's flag names).</summary>
public sealed record DaemonOptions(
    IReadOnlyList<string> Hosts,
    string DataRoot,
    string ExecRoot,
    string? PidFile,
    LogLevel LogLevel,
    string Runtime,
    string ShimPath,
    string CgroupParent);
