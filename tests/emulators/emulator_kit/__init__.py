# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What both local API emulators (Elasticsearch, iLert) share: serving, request statistics,
fault injection and state files, behind one `/_emulator/*` contract that tests and benchmarks use."""
