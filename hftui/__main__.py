from hftui.cli import console

console()
