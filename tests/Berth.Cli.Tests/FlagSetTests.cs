using Berth.Cli.Parsing;
using Xunit;

namespace Berth.Cli.Tests;

public class FlagSetTests
{
    private static FlagSet RunFlags() => new FlagSet()
        .Bool("interactive", 'i', "").Bool("tty", 't', "").Bool("detach", 'd', "").Bool("rm", null, "")
        .List("env", 'e', "").String("name", null, "").String("workdir", 'w', "").Int("time", null, "");

    [Fact]
    public void StopsAtFirstPositionalWhenNotInterspersed()
    {
        var f = RunFlags().Parse(["--rm", "busybox", "sh", "-c", "exit 7"], interspersed: false);
        Assert.True(f.GetBool("rm"));
        Assert.Equal(["busybox", "sh", "-c", "exit 7"], f.Positionals);
    }

    [Fact]
    public void InterspersedParsesFlagsAfterPositionals()
    {
        var f = new FlagSet().Bool("force", 'f', "").Parse(["a", "-f", "b"]);
        Assert.True(f.GetBool("force"));
        Assert.Equal(["a", "b"], f.Positionals);
    }

    [Fact]
    public void CombinedShortFlags()
    {
        var f = RunFlags().Parse(["-it", "img"], false);
        Assert.True(f.GetBool("interactive"));
        Assert.True(f.GetBool("tty"));
        var g = RunFlags().Parse(["-di", "img"], false);
        Assert.True(g.GetBool("detach") && g.GetBool("interactive"));
    }

    [Fact]
    public void ShortFlagValueGluedOrSeparateOrEquals()
    {
        var f = RunFlags().Parse(["-eA=1", "-e", "B=2", "-e=C=3", "-w/tmp", "img"], false);
        Assert.Equal(["A=1", "B=2", "C=3"], f.GetList("env"));
        Assert.Equal("/tmp", f.GetString("workdir"));
    }

    [Fact]
    public void CombinedBoolsThenValueFlag()
    {
        var f = RunFlags().Parse(["-ite", "X=1", "img"], false);
        Assert.True(f.GetBool("tty"));
        Assert.Equal(["X=1"], f.GetList("env"));
    }

    [Fact]
    public void LongFlagWithEqualsAndRepeated()
    {
        var f = RunFlags().Parse(["--name=web", "--env", "A=1", "--env=B=2", "--rm=false", "img"], false);
        Assert.Equal("web", f.GetString("name"));
        Assert.Equal(["A=1", "B=2"], f.GetList("env"));
        Assert.False(f.GetBool("rm"));
        Assert.True(f.Changed("rm"));
    }

    [Fact]
    public void DoubleDashEndsFlags()
    {
        var f = RunFlags().Parse(["--", "-d"], true);
        Assert.False(f.GetBool("detach"));
        Assert.Equal(["-d"], f.Positionals);
    }

    [Fact]
    public void SingleDashIsPositional()
    {
        var f = new FlagSet().List("change", 'c', "").Parse(["-c", "CMD x", "-", "repo:tag"]);
        Assert.Equal(["-", "repo:tag"], f.Positionals);
    }

    [Theory]
    [InlineData(new[] { "--foo" }, "unknown flag: --foo")]
    [InlineData(new[] { "-x" }, "unknown shorthand flag: 'x' in -x")]
    [InlineData(new[] { "-e" }, "flag needs an argument: 'e' in -e")]
    [InlineData(new[] { "--name" }, "flag needs an argument: --name")]
    [InlineData(new[] { "--time", "x" }, "invalid argument \"x\" for \"--time\" flag: strconv.ParseInt: parsing \"x\": invalid syntax")]
    [InlineData(new[] { "--rm=maybe" }, "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax")]
    public void ErrorsLikePflag(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() => RunFlags().Parse(args));
        Assert.Equal(message, e.Message);
        Assert.Equal(125, e.ExitCode);
    }

    [Fact]
    public void BoolDefaultTrue()
    {
        var f = new FlagSet().Bool("human", 'H', "", defaultValue: true);
        Assert.True(f.GetBool("human"));
        f.Parse(["-H=false"]);
        Assert.False(f.GetBool("human"));
    }
}
