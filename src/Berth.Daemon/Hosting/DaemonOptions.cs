using Microsoft.Extensions.Logging;

namespace Berth.Daemon.Hosting;

/// <summary>berthd's command-line settings (dockerd's flag names).</summary>
/// <param name="ConfigFile">--config-file (daemon.json); <paramref name="ConfigFileGiven"/> when named on the command line, so it must exist.</param>
/// <param name="RegistryCertsDirectory">--registry-certs-dir: docker's certs.d tree of per-registry CAs and client certificates.</param>
/// <param name="InsecureRegistries">--insecure-registry, added to the config file's list.</param>
/// <param name="RegistryMirrors">--registry-mirror, added to the config file's list.</param>
public sealed record DaemonOptions(
    IReadOnlyList<string> Hosts,
    string DataRoot,
    string ExecRoot,
    string? PidFile,
    LogLevel LogLevel,
    string Runtime,
    string ShimPath,
    string CgroupParent)
{
    public string ConfigFile { get; init; } = DaemonConfigFile.DefaultPath;
    public bool ConfigFileGiven { get; init; }
    public string RegistryCertsDirectory { get; init; } = Berth.Engine.Distribution.RegistryOptions.DefaultCertsDirectory;
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];
    public IReadOnlyList<string> RegistryMirrors { get; init; } = [];
}
